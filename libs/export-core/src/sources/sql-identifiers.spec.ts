import { describe, expect, it } from 'vitest';
import { RdsExportError } from '@rds-s3-export/shared-types';
import { baseSelect, duplicateColumnsError, quoteIdentifier, quoteName, quoteTable } from './sql-identifiers.js';

/** Runs `act`, expects it to throw a coded error, and returns it for inspection. */
function thrown(act: () => unknown): RdsExportError {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(RdsExportError);
    return error as RdsExportError;
  }
  throw new Error('expected a throw');
}

/** Names an injection would try: each must come out as one quoted identifier, never as SQL. */
const HOSTILE_NAMES = [
  'x; DROP TABLE y',
  'a"b',
  'a`b',
  "a'b",
  'a;b',
  'a b',
  ' a',
  'naïve',
  'таблица',
  '表',
  '1abc',
  'a-b',
  'a/*c*/',
  'a\nb',
  'a) UNION SELECT 1 --',
];

describe('Function: quoteName', () => {
  it.each([
    ['employees', 'backtick', '`employees`'],
    ['employees', 'double', '"employees"'],
    ['order', 'backtick', '`order`'],
    ['Order Items', 'double', '"Order Items"'],
    ['order-items', 'backtick', '`order-items`'],
    ['a"b', 'double', '"a""b"'],
    ['a"b', 'backtick', '`a"b`'],
    ['a`b', 'backtick', '`a``b`'],
    ['a.b', 'double', '"a.b"'],
  ] as const)('quotes %j with %s quotes as %s', (name, style, expected) => {
    expect(quoteName(name, style)).toBe(expected);
  });

  it.each(HOSTILE_NAMES)('keeps the hostile name %j one identifier on both engines', (name) => {
    for (const [style, q] of [['backtick', '`'], ['double', '"']] as const) {
      // Act
      const quoted = quoteName(name, style);

      // Assess: one quote at each end; inside, every quote character is doubled.
      expect(quoted.startsWith(q) && quoted.endsWith(q)).toBe(true);
      const inner = quoted.slice(1, -1);
      expect(inner.replaceAll(q + q, '')).not.toContain(q);
      expect(inner.replaceAll(q + q, q)).toBe(name);
    }
  });

  it('refuses an empty name, NUL, and on PostgreSQL a name the server would cut at 63 bytes', () => {
    // Act
    const empty = thrown(() => quoteName('', 'double', 'column'));
    const nul = thrown(() => quoteName('a\u0000b', 'backtick', 'column'));
    const long = thrown(() => quoteName('é'.repeat(32), 'double', 'table'));

    // Assess
    expect(empty.message).toBe('column must not be empty');
    expect(nul.message).toBe('column must not contain the NUL character');
    expect(long.message).toBe(`table "${'é'.repeat(32)}" is longer than PostgreSQL's 63 bytes`);
    expect([empty.code, nul.code, long.code]).toEqual(['IDENTIFIER_INVALID', 'IDENTIFIER_INVALID', 'IDENTIFIER_INVALID']);
    // 64 ASCII characters are MySQL's limit, and fine there.
    expect(quoteName('a'.repeat(64), 'backtick')).toBe(`\`${'a'.repeat(64)}\``);
  });
});

describe('Function: quoteTable', () => {
  it.each([
    ['hr.employees', 'double', '"hr"."employees"'],
    ['hr.employees', 'backtick', '`hr`.`employees`'],
    ['"My Schema"."Order Items"', 'double', '"My Schema"."Order Items"'],
    ['"My Schema"."Order Items"', 'backtick', '`My Schema`.`Order Items`'],
    ['`sales`.`order-items`', 'double', '"sales"."order-items"'],
    ['order-items', 'backtick', '`order-items`'],
    ['"a.b"', 'double', '"a.b"'],
    ['"say ""hi"""', 'backtick', '`say "hi"`'],
  ] as const)('quotes %j with %s quotes as %s', (text, style, expected) => {
    expect(quoteTable(text, style)).toBe(expected);
  });

  it('refuses a malformed table text with IDENTIFIER_INVALID, naming it', () => {
    // Act
    const three = thrown(() => quoteTable('db.hr.employees', 'double'));
    const trailing = thrown(() => quoteTable('hr.', 'double'));
    const open = thrown(() => quoteIdentifier('"My Schema', 'backtick', 'table', { qualified: true }));

    // Assess
    expect(three.message).toBe('table "db.hr.employees" must be "table" or "schema.table" (quote a name that contains a dot: "my.table")');
    expect(trailing.message).toBe('table "hr." has an empty name (quote a name only to keep dots or quotes in it)');
    expect(open.message).toBe('table ""My Schema" has an unterminated " quote');
    expect([three.code, trailing.code, open.code]).toEqual(['IDENTIFIER_INVALID', 'IDENTIFIER_INVALID', 'IDENTIFIER_INVALID']);
  });
});

describe('Function: duplicateColumnsError', () => {
  it('accepts distinct names', () => {
    expect(duplicateColumnsError(['id', 'name', 'ID2'], 'postgres')).toBeUndefined();
    expect(duplicateColumnsError(['id', 'Id'], 'postgres')).toBeUndefined();
  });

  it('names each duplicate once and suggests aliases', () => {
    // Act
    const error = duplicateColumnsError(['id', 'name', 'id', 'id'], 'mysql');

    // Assess
    expect(error?.code).toBe('QUERY_COLUMNS_AMBIGUOUS');
    expect(error?.errorClass).toBe('config');
    expect(error?.message).toMatch(/^query refused: more than one column is named id\. .*give each an alias, e\.g\. SELECT o\.id AS order_id/);
  });

  it('compares names case-insensitively on MySQL, where `ID` and `id` collide', () => {
    expect(duplicateColumnsError(['ID', 'id'], 'mysql')?.message).toContain('more than one column is named ID, id');
  });

  it('counts PostgreSQL ?column? as unnamed', () => {
    expect(duplicateColumnsError(['?column?', '?column?', 'x'], 'postgres')?.message).toContain('2 column(s) have no name (PostgreSQL calls them "?column?")');
    expect(duplicateColumnsError(['?column?'], 'postgres')?.code).toBe('QUERY_COLUMNS_AMBIGUOUS');
  });
});

describe('Function: baseSelect', () => {
  it('selects every column of a table, quoted for the engine', () => {
    expect(baseSelect({ table: 'employees' }, 'backtick')).toBe('SELECT * FROM `employees`');
    expect(baseSelect({ table: 'hr.employees' }, 'double')).toBe('SELECT * FROM "hr"."employees"');
    expect(baseSelect({ table: 'employees', columns: [] }, 'double')).toBe('SELECT * FROM "employees"');
  });

  it('selects the listed columns in order, each quoted', () => {
    expect(baseSelect({ table: 'employees', columns: ['id', 'order', 'name'] }, 'backtick')).toBe(
      'SELECT `id`, `order`, `name` FROM `employees`',
    );
    expect(baseSelect({ table: 'hr.employees', columns: ['id', 'name'] }, 'double')).toBe('SELECT "id", "name" FROM "hr"."employees"');
  });

  it('selects any names the engines allow, each quoted as one identifier', () => {
    expect(baseSelect({ table: 'x; DROP TABLE y' }, 'backtick')).toBe('SELECT * FROM `x; DROP TABLE y`');
    expect(baseSelect({ table: 'employees', columns: ['id', 'name`; DROP TABLE y; --'] }, 'backtick')).toBe('SELECT `id`, `name``; DROP TABLE y; --` FROM `employees`');
    expect(baseSelect({ table: '"My Schema"."Order Items"', columns: ['First Name', 'a.b'] }, 'double')).toBe('SELECT "First Name", "a.b" FROM "My Schema"."Order Items"');
  });

  it.each([
    ['SELECT id, name FROM employees', 'SELECT * FROM (SELECT id, name FROM employees) AS export_query'],
    ['  select 1;  ', 'SELECT * FROM (select 1) AS export_query'],
    ['SELECT 1;\n', 'SELECT * FROM (SELECT 1) AS export_query'],
    ['WITH t AS (SELECT 1 AS a) SELECT a FROM t;', 'SELECT * FROM (WITH t AS (SELECT 1 AS a) SELECT a FROM t) AS export_query'],
    ['VALUES (1), (2)', 'SELECT * FROM (VALUES (1), (2)) AS export_query'],
    ['TABLE employees', 'SELECT * FROM (TABLE employees) AS export_query'],
    ["SELECT 'a;b' AS x", "SELECT * FROM (SELECT 'a;b' AS x) AS export_query"],
    // A trailing line comment must not swallow the wrapper's ")".
    ['SELECT 1 AS a -- note', 'SELECT * FROM (SELECT 1 AS a) AS export_query'],
  ])('wraps the custom query %j as a derived table without its trailing semicolon', (query, expected) => {
    expect(baseSelect({ query }, 'double')).toBe(expected);
  });

  it('prefers the query when both are given (the job schema forbids that combination)', () => {
    expect(baseSelect({ query: 'SELECT 1', table: 'employees' }, 'double')).toBe('SELECT * FROM (SELECT 1) AS export_query');
  });

  it.each([
    'DELETE FROM employees',
    'UPDATE employees SET a = 1',
    'DROP TABLE employees',
    'INSERT INTO t VALUES (1)',
    'CALL p()',
    '',
    ';',
    'selectx FROM t',
  ])('refuses the non-SELECT query %j with QUERY_INVALID', (query) => {
    // Act
    const error = thrown(() => baseSelect({ query }, 'backtick'));

    // Assess
    expect(error.code).toBe('QUERY_INVALID');
    expect(error.errorClass).toBe('config');
    expect(error.message).toBe('query must be a single SELECT (or WITH … SELECT) statement');
  });

  it('refuses a query whose ")" would close the wrapper, naming where', () => {
    // Act
    const error = thrown(() => baseSelect({ query: "SELECT 1 AS a) AS t INTO OUTFILE '/tmp/x' #" }, 'backtick'));

    // Assess
    expect(error.code).toBe('QUERY_UNBALANCED');
    expect(error.message).toContain('at line 1, column 14');
  });

  it('refuses a request with neither table nor query', () => {
    // Act
    const error = thrown(() => baseSelect({}, 'double'));

    // Assess
    expect(error.code).toBe('SOURCE_MISSING');
    expect(error.message).toBe('set a table or a query');
  });
});
