import { describe, expect, it } from 'vitest';
import type { RdsExportError } from '@rds-s3-export/shared-types';
import { checkCustomQuery, QueryRefusedError, tokenizeQuery, type QueryLanguage } from './query-tokens.js';

/** Runs `act`, expects a refused query, and returns the error for inspection. */
function refused(act: () => unknown): RdsExportError {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(QueryRefusedError);
    expect((error as RdsExportError).errorClass).toBe('config');
    return error as RdsExportError;
  }
  throw new Error('expected the query to be refused');
}

const texts = (query: string, language: QueryLanguage, backslash = language === 'mysql') =>
  tokenizeQuery(query, language, { backslashInSingle: backslash, backslashInDouble: backslash }).map((t) => t.text);

describe('Function: tokenizeQuery', () => {
  it('drops comments and whitespace and keeps strings and quoted identifiers whole', () => {
    expect(texts("SELECT 'a b', `c d` -- x\nFROM t # y\n/* z */", 'mysql')).toEqual(['SELECT', "'a b'", ',', '`c d`', 'FROM', 't']);
    expect(texts('SELECT \'a b\', "c d" -- x\nFROM t /* z */', 'postgres')).toEqual(['SELECT', "'a b'", ',', '"c d"', 'FROM', 't']);
  });

  it('reads doubled quotes as part of the string or identifier', () => {
    expect(texts("SELECT 'it''s', `a``b`, \"q\"\"r\"", 'mysql')).toEqual(['SELECT', "'it''s'", ',', '`a``b`', ',', '"q""r"']);
    expect(texts('SELECT \'it\'\'s\', "a""b"', 'postgres')).toEqual(['SELECT', "'it''s'", ',', '"a""b"']);
  });

  it('reads MySQL backslash escapes in \'…\' and "…" unless the mode says otherwise', () => {
    expect(texts("SELECT 'a\\'b', \"c\\\"d\"", 'mysql', true)).toEqual(['SELECT', "'a\\'b'", ',', '"c\\"d"']);
    expect(texts("SELECT 'a\\' , 1", 'mysql', false)).toEqual(['SELECT', "'a\\'", ',', '1']);
  });

  it('reads PostgreSQL E-strings with backslash escapes, standard strings without', () => {
    expect(texts("SELECT E'a\\'b', 'c\\'", 'postgres')).toEqual(['SELECT', "E'a\\'b'", ',', "'c\\'"]);
    expect(texts("SELECT xe'a'", 'postgres')).toEqual(['SELECT', 'xe', "'a'"]);
  });

  it('reads PostgreSQL dollar quotes, tagged and not, and leaves $ inside identifiers and $n alone', () => {
    expect(texts("SELECT $$a ') ; $$, $tag$ $$ ) $tag$, a$b$c, $1", 'postgres')).toEqual([
      'SELECT',
      "$$a ') ; $$",
      ',',
      '$tag$ $$ ) $tag$',
      ',',
      'a$b$c',
      ',',
      '$',
      '1',
    ]);
    expect(texts('SELECT 1$a$ ) $a$', 'postgres')).toEqual(['SELECT', '1', '$a$ ) $a$']);
  });

  it('nests PostgreSQL block comments; MySQL ends at the first */', () => {
    expect(texts('SELECT /* a /* b */ ) */ 1', 'postgres')).toEqual(['SELECT', '1']);
    expect(texts('SELECT /* a /* b */ 1', 'mysql')).toEqual(['SELECT', '1']);
  });

  it('reads MySQL "--" as a comment only before whitespace, and "#" always; PostgreSQL "#" is an operator', () => {
    expect(texts('SELECT 1--1', 'mysql')).toEqual(['SELECT', '1', '-', '-', '1']);
    expect(texts('SELECT 1-- 1\n, 2', 'mysql')).toEqual(['SELECT', '1', ',', '2']);
    expect(texts('SELECT 1 # 2', 'postgres')).toEqual(['SELECT', '1', '#', '2']);
    expect(texts('SELECT 1--1\n, 2', 'postgres')).toEqual(['SELECT', '1', ',', '2']);
  });

  it('records the parenthesis depth of each token', () => {
    const tokens = tokenizeQuery('SELECT (1, (2))', 'postgres');
    expect(tokens.map((t) => [t.text, t.depth])).toEqual([
      ['SELECT', 0],
      ['(', 0],
      ['1', 1],
      [',', 1],
      ['(', 1],
      ['2', 2],
      [')', 1],
      [')', 0],
    ]);
  });
});

describe('Function: checkCustomQuery', () => {
  describe.each(['mysql', 'postgres'] as const)('on %s', (language) => {
    it.each([
      ['SELECT id, name FROM employees', 'SELECT id, name FROM employees'],
      ['SELECT 1;', 'SELECT 1'],
      ['SELECT 1 ; -- done\n', 'SELECT 1'],
      ['SELECT 1 -- trailing comment', 'SELECT 1'],
      ['SELECT 1 /* trailing */', 'SELECT 1'],
      ['WITH t AS (SELECT 1 AS a) SELECT a FROM t', 'WITH t AS (SELECT 1 AS a) SELECT a FROM t'],
      ['(SELECT 1) UNION ALL (SELECT 2)', '(SELECT 1) UNION ALL (SELECT 2)'],
      ["SELECT ')' AS p, '(' AS q", "SELECT ')' AS p, '(' AS q"],
      ["SELECT 'INTO OUTFILE' AS x, 'FOR UPDATE' AS y", "SELECT 'INTO OUTFILE' AS x, 'FOR UPDATE' AS y"],
      ["SELECT substring('abc' FROM 1 FOR 2)", "SELECT substring('abc' FROM 1 FOR 2)"],
      ["SELECT REPLACE('a', 'b', 'c')", "SELECT REPLACE('a', 'b', 'c')"],
      ['VALUES (1), (2)', 'VALUES (1), (2)'],
      ['TABLE employees', 'TABLE employees'],
    ])('accepts %j and returns it up to its last token', (query, expected) => {
      expect(checkCustomQuery(query, language)).toBe(expected);
    });

    it.each(['DELETE FROM t', 'UPDATE t SET a = 1', 'CALL p()', 'SET @a = 1', 'SHOW TABLES', 'LOAD DATA INFILE', 'DO SLEEP(1)', 'COPY t TO STDOUT', '', ';', '-- only a comment', 'selectx FROM t', '(', "'SELECT'"])(
      'refuses %j as not a SELECT statement',
      (query) => {
        const error = refused(() => checkCustomQuery(query, language));
        expect(error.code).toMatch(/^QUERY_(INVALID|UNBALANCED)$/);
      },
    );

    it.each([
      ['SELECT 1 AS a) AS t', 'QUERY_UNBALANCED', 'a ")" that closes no "(" of the query (it would close the exporter\'s own SQL) at line 1, column 14'],
      ['SELECT (1', 'QUERY_UNBALANCED', '"(" that is never closed at line 1, column 8'],
      ["SELECT 1 AS a FROM t WHERE a = ')' OR a = (1))", 'QUERY_UNBALANCED', 'line 1, column 46'],
      ['SELECT 1; SELECT 2', 'QUERY_MULTIPLE_STATEMENTS', '"SELECT" at line 1, column 11'],
      ['SELECT 1;;', 'QUERY_MULTIPLE_STATEMENTS', '";" at line 1, column 10'],
      ['SELECT 1 INTO x', 'QUERY_CLAUSE_REFUSED', '"INTO" at line 1, column 10'],
      ['SELECT a\nFROM t\nFOR UPDATE', 'QUERY_CLAUSE_REFUSED', '"FOR" at line 3, column 1'],
      ['SELECT a FROM t FOR SHARE', 'QUERY_CLAUSE_REFUSED', 'FOR SHARE'],
      ['WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d', 'QUERY_CLAUSE_REFUSED', '"DELETE" at line 1, column 12'],
      ['WITH d AS (SELECT 1) UPDATE t SET a = 1', 'QUERY_CLAUSE_REFUSED', '"UPDATE"'],
      ["SELECT 'a", 'QUERY_UNTERMINATED', 'a string starting with'],
      ['SELECT /* a', 'QUERY_UNTERMINATED', 'never closed at line 1, column 8'],
      ['SELECT 1 /*+ MAX_EXECUTION_TIME(0) */', 'QUERY_EXECUTABLE_COMMENT', 'optimizer hint'],
      ['SELECT 1\u0000', 'QUERY_INVALID_CHARACTER', 'NUL'],
    ])('refuses %j with %s, naming the token and its position', (query, code, message) => {
      const error = refused(() => checkCustomQuery(query, language));
      expect(error.code).toBe(code);
      expect(error.message).toContain(message);
    });
  });

  describe('on MySQL / MariaDB', () => {
    it.each([
      // The reproduction: a ")" closes the exporter's wrapper, "#" comments out the rest of it.
      ["SELECT 1 AS a) AS t INTO OUTFILE '/tmp/x' #", 'QUERY_UNBALANCED'],
      ["SELECT 1 AS a INTO OUTFILE '/tmp/x'", 'QUERY_CLAUSE_REFUSED'],
      ["SELECT 1 AS a INTO DUMPFILE '/tmp/x'", 'QUERY_CLAUSE_REFUSED'],
      ["SELECT a INTO OUTFILE '/tmp/x' FROM t", 'QUERY_CLAUSE_REFUSED'],
      ['SELECT 1 INTO @v', 'QUERY_CLAUSE_REFUSED'],
      ['SELECT a FROM t LOCK IN SHARE MODE', 'QUERY_CLAUSE_REFUSED'],
      ['SELECT a FROM t FOR UPDATE SKIP LOCKED', 'QUERY_CLAUSE_REFUSED'],
      ['SELECT a FROM t PROCEDURE ANALYSE()', 'QUERY_CLAUSE_REFUSED'],
      ['SELECT 1 /*! INTO OUTFILE "/tmp/x" */', 'QUERY_EXECUTABLE_COMMENT'],
      ['SELECT 1 /*!50100 ) AS t INTO OUTFILE "/tmp/x" */', 'QUERY_EXECUTABLE_COMMENT'],
      ['SELECT 1 /*M! ) AS t */', 'QUERY_EXECUTABLE_COMMENT'],
      ['SELECT 1 /*+ SET_VAR(max_execution_time=0) */', 'QUERY_EXECUTABLE_COMMENT'],
      ['SELECT a FROM t WHERE b = 1 /* ) */ )', 'QUERY_UNBALANCED'],
      ["SELECT '\\' ) INTO OUTFILE '/tmp/x' -- '", 'QUERY_AMBIGUOUS'],
      ['SELECT "\\" ) INTO OUTFILE \'/tmp/x\' -- "', 'QUERY_AMBIGUOUS'],
      ["SELECT 1 #c\r) INTO OUTFILE '/tmp/x'\n", 'QUERY_AMBIGUOUS'],
      ['SELECT 1 --\u00a0) x', 'QUERY_AMBIGUOUS'],
      ['SELECT `a', 'QUERY_UNTERMINATED'],
      ['SELECT 1 AS into', 'QUERY_CLAUSE_REFUSED'],
      ["REPLACE INTO t VALUES (1)", 'QUERY_INVALID'],
    ])('refuses %j with %s', (query, code) => {
      expect(refused(() => checkCustomQuery(query, 'mysql')).code).toBe(code);
    });

    it.each([
      ["SELECT 'a'' ) INTO' AS x", "SELECT 'a'' ) INTO' AS x"],
      ["SELECT `weird ) name` FROM t", "SELECT `weird ) name` FROM t"],
      ["SELECT 'a' -- ) INTO OUTFILE\n, 2", "SELECT 'a' -- ) INTO OUTFILE\n, 2"],
      ["SELECT 1 # ) INTO OUTFILE '/tmp/x'\r\n, 2", "SELECT 1 # ) INTO OUTFILE '/tmp/x'\r\n, 2"],
      ['SELECT INSERT(\'abc\', 1, 1, \'x\')', "SELECT INSERT('abc', 1, 1, 'x')"],
      ["SELECT GET_LOCK('x', 0), SLEEP(0), LOAD_FILE('/etc/hostname')", "SELECT GET_LOCK('x', 0), SLEEP(0), LOAD_FILE('/etc/hostname')"],
      ['SELECT a FROM t FOR SYSTEM_TIME ALL', 'SELECT a FROM t FOR SYSTEM_TIME ALL'],
    ])('accepts %j (functions are the role\'s business, not the tokenizer\'s)', (query, expected) => {
      expect(checkCustomQuery(query, 'mysql')).toBe(expected);
    });

    it('explains a refusal that only one sql_mode would read', () => {
      const error = refused(() => checkCustomQuery("SELECT 'it\\'s'", 'mysql'));
      expect(error.code).toBe('QUERY_AMBIGUOUS');
      expect(error.message).toContain('NO_BACKSLASH_ESCAPES');
      expect(error.message).toContain("write a quote inside a string as '' rather than \\'");
    });
  });

  describe('on PostgreSQL', () => {
    it.each([
      ["SELECT 1 INTO TEMP t", 'QUERY_CLAUSE_REFUSED'],
      ['SELECT a FROM t FOR NO KEY UPDATE', 'QUERY_CLAUSE_REFUSED'],
      ['SELECT a FROM t FOR KEY SHARE', 'QUERY_CLAUSE_REFUSED'],
      ["SELECT $$ ) $$ ) INTO x", 'QUERY_UNBALANCED'],
      ["SELECT $a$ never closed", 'QUERY_UNTERMINATED'],
      ['SELECT /* /* */ ) */ 1 )', 'QUERY_UNBALANCED'],
      ["SELECT E'\\' ) ' )", 'QUERY_UNBALANCED'],
      ["SELECT '\\' ) FROM t; DROP TABLE t; --'", 'QUERY_UNBALANCED'],
      ["SELECT '\\' AS a, ') x' AS b", 'QUERY_AMBIGUOUS'],
      ['SELECT 1 AS "a', 'QUERY_UNTERMINATED'],
      ['WITH x AS (INSERT INTO t VALUES (1) RETURNING *) SELECT * FROM x', 'QUERY_CLAUSE_REFUSED'],
      ['WITH x AS (SELECT 1) MERGE INTO t USING x ON true WHEN MATCHED THEN DELETE', 'QUERY_CLAUSE_REFUSED'],
    ])('refuses %j with %s', (query, code) => {
      expect(refused(() => checkCustomQuery(query, 'postgres')).code).toBe(code);
    });

    it.each([
      ["SELECT lo_export(1, '/tmp/x'), dblink_exec('x', 'DELETE FROM t'), pg_sleep(0)", "SELECT lo_export(1, '/tmp/x'), dblink_exec('x', 'DELETE FROM t'), pg_sleep(0)"],
      ["SELECT $q$ ) INTO x; $q$ AS s", "SELECT $q$ ) INTO x; $q$ AS s"],
      ["SELECT E'it\\'s' AS s", "SELECT E'it\\'s' AS s"],
      ['SELECT "weird ) ""name" FROM t', 'SELECT "weird ) ""name" FROM t'],
      ['SELECT 1 # 2 AS bits', 'SELECT 1 # 2 AS bits'],
      ['SELECT a FROM t LOCK', 'SELECT a FROM t LOCK'],
      ['WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r', 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r'],
    ])('accepts %j', (query, expected) => {
      expect(checkCustomQuery(query, 'postgres')).toBe(expected);
    });

    it('explains a refusal that only standard_conforming_strings = off would read', () => {
      const error = refused(() => checkCustomQuery("SELECT 'C:\\' AS path", 'postgres'));
      expect(error.code).toBe('QUERY_AMBIGUOUS');
      expect(error.message).toContain('standard_conforming_strings = off');
    });
  });
});
