import { describe, expect, it } from 'vitest';
import { RdsExportError } from '@rds-s3-export/shared-types';
import { baseSelect, quoteIdentifier } from './sql-identifiers.js';

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
  '',
  '1abc',
  'a-b',
  'a/*c*/',
  'a\u0000b',
  'a\nb',
  'a'.repeat(64),
  `_${'b'.repeat(64)}`,
];

describe('Function: quoteIdentifier', () => {
  it.each([
    ['employees', 'backtick', '`employees`'],
    ['employees', 'double', '"employees"'],
    ['order', 'backtick', '`order`'],
    ['Order_Items$2', 'double', '"Order_Items$2"'],
    ['_x', 'double', '"_x"'],
    ['a'.repeat(63), 'backtick', `\`${'a'.repeat(63)}\``],
  ] as const)('quotes %j with %s quotes as %s', (name, style, expected) => {
    expect(quoteIdentifier(name, style, 'column')).toBe(expected);
  });

  it('quotes each part of a schema-qualified table', () => {
    expect(quoteIdentifier('hr.employees', 'double', 'table', { qualified: true })).toBe('"hr"."employees"');
    expect(quoteIdentifier('hr.employees', 'backtick', 'table', { qualified: true })).toBe('`hr`.`employees`');
  });

  it('refuses a qualified name where only a plain one is allowed, and three parts anywhere', () => {
    // Act
    const plain = thrown(() => quoteIdentifier('hr.employees', 'double', 'column'));
    const three = thrown(() => quoteIdentifier('db.hr.employees', 'double', 'table', { qualified: true }));
    const trailing = thrown(() => quoteIdentifier('hr.', 'double', 'table', { qualified: true }));

    // Assess
    expect(plain.message).toBe('column "hr.employees" must not contain "."');
    expect(three.message).toBe('table "db.hr.employees" must be "table" or "schema.table"');
    expect(trailing.message).toContain('table "hr." must be an ASCII identifier');
    expect([plain.code, three.code, trailing.code]).toEqual(['IDENTIFIER_INVALID', 'IDENTIFIER_INVALID', 'IDENTIFIER_INVALID']);
  });

  it.each(HOSTILE_NAMES)('refuses the hostile name %j with IDENTIFIER_INVALID, naming the field', (name) => {
    for (const style of ['backtick', 'double'] as const) {
      // Act
      const error = thrown(() => quoteIdentifier(name, style, 'table', { qualified: true }));

      // Assess
      expect(error.code).toBe('IDENTIFIER_INVALID');
      expect(error.errorClass).toBe('config');
      expect(error.message).toBe(`table "${name}" must be an ASCII identifier: a letter or "_" followed by up to 62 letters, digits, "_" or "$"`);
    }
  });

  it('names the field given by the caller', () => {
    expect(() => quoteIdentifier('x; DROP TABLE y', 'backtick', 'incremental.cursorColumn')).toThrow(
      'incremental.cursorColumn "x; DROP TABLE y" must be an ASCII identifier',
    );
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

  it.each([
    [{ table: 'x; DROP TABLE y' }, 'table "x; DROP TABLE y" must be an ASCII identifier'],
    [{ table: 'employees', columns: ['id', 'name`; DROP TABLE y; --'] }, 'column "name`; DROP TABLE y; --" must be an ASCII identifier'],
    [{ table: 'employees', columns: ['a.b'] }, 'column "a.b" must not contain "."'],
  ])('refuses %j with IDENTIFIER_INVALID', (request, message) => {
    // Act
    const error = thrown(() => baseSelect(request, 'backtick'));

    // Assess
    expect(error.code).toBe('IDENTIFIER_INVALID');
    expect(error.message).toContain(message);
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
