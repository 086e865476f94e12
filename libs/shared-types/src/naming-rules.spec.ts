import { describe, expect, it } from 'vitest';
import {
  bucketNameProblem,
  columnNameProblem,
  formatTableName,
  jobNameForTable,
  jobNameProblem,
  keyPrefixProblem,
  parseColumnName,
  parseTableName,
  tableNameProblem,
} from './naming-rules.js';

describe('Function: bucketNameProblem', () => {
  it.each(['abc', 'my-bucket', 'my.bucket.01', '1bucket', 'a'.repeat(63), 'rds-exports-local', '1.2.3', 'xn-bucket', 'bucket-s3', 'my-s3alias-x'])(
    'accepts %j',
    (name) => {
      expect(bucketNameProblem(name)).toBeNull();
    },
  );

  it.each([
    ['', 'must be 3 to 63 characters long (got 0)'],
    ['ab', 'must be 3 to 63 characters long (got 2)'],
    ['a'.repeat(64), 'must be 3 to 63 characters long (got 64)'],
    ['MyBucket', 'may contain only lowercase letters, digits, dots and hyphens'],
    ['my_bucket', 'may contain only lowercase letters, digits, dots and hyphens'],
    ['my bucket', 'may contain only lowercase letters, digits, dots and hyphens'],
    ['bück', 'may contain only lowercase letters, digits, dots and hyphens'],
    [' my-bucket', 'may contain only lowercase letters, digits, dots and hyphens'],
    ['-bucket', 'must begin and end with a letter or digit'],
    ['bucket-', 'must begin and end with a letter or digit'],
    ['.bucket', 'must begin and end with a letter or digit'],
    ['bucket.', 'must begin and end with a letter or digit'],
    ['my..bucket', 'may not contain two adjacent dots'],
    ['192.168.1.1', 'may not be formatted as an IP address'],
    ['999.999.999.999', 'may not be formatted as an IP address'],
    ['xn--bucket', 'may not start with the reserved prefix "xn--"'],
    ['sthree-bucket', 'may not start with the reserved prefix "sthree-"'],
    ['amzn-s3-demo-bucket', 'may not start with the reserved prefix "amzn-s3-demo-"'],
    ['bucket-s3alias', 'may not end with the reserved suffix "-s3alias"'],
    ['bucket--ol-s3', 'may not end with the reserved suffix "--ol-s3"'],
    ['bucket.mrap', 'may not end with the reserved suffix ".mrap"'],
    ['bucket--x-s3', 'may not end with the reserved suffix "--x-s3"'],
    ['bucket--table-s3', 'may not end with the reserved suffix "--table-s3"'],
  ])('refuses %j: %s', (name, problem) => {
    expect(bucketNameProblem(name)).toBe(problem);
  });
});

describe('Function: keyPrefixProblem', () => {
  it.each(['', 'rds_exports', 'a/b/c', 'team-a/exports.v2', 'dt=2026-02-22', 'unicode/é/😀', 'with space', 'x'.repeat(512), 'a/.hidden', 'a/...'])(
    'accepts %j',
    (prefix) => {
      expect(keyPrefixProblem(prefix)).toBeNull();
    },
  );

  it.each([
    ['/abs', 'must not start with "/"'],
    ['a\u0000b', 'must not contain control characters'],
    ['a\u001fb', 'must not contain control characters'],
    ['a\u007fb', 'must not contain control characters'],
    ['a\tb', 'must not contain control characters'],
    ...['\\', '{', '}', '^', '%', '`', '[', ']', '"', '<', '>', '~', '#', '|'].map(
      (c) => [`a${c}b`, 'must not contain \\ { } ^ % ` [ ] " < > ~ # |'] as [string, string],
    ),
    ['a//b', 'must not contain empty, "." or ".." segments'],
    ['a/', 'must not contain empty, "." or ".." segments'],
    ['.', 'must not contain empty, "." or ".." segments'],
    ['..', 'must not contain empty, "." or ".." segments'],
    ['a/./b', 'must not contain empty, "." or ".." segments'],
    ['a/../b', 'must not contain empty, "." or ".." segments'],
    ['x'.repeat(513), 'must be at most 512 bytes'],
    ['é'.repeat(257), 'must be at most 512 bytes'],
  ])('refuses %j: %s', (prefix, problem) => {
    expect(keyPrefixProblem(prefix)).toBe(problem);
  });
});

describe('Function: parseTableName', () => {
  it.each([
    ['employees', { name: 'employees' }],
    ['hr.employees', { schema: 'hr', name: 'employees' }],
    ['order-items', { name: 'order-items' }],
    ['Order Items', { name: 'Order Items' }],
    ['ORDERITEMS_LOWER', { name: 'ORDERITEMS_LOWER' }],
    ['Bestellpositionen_Ü', { name: 'Bestellpositionen_Ü' }],
    ['表', { name: '表' }],
    ['"My Schema"."Order Items"', { schema: 'My Schema', name: 'Order Items' }],
    ['`sales`.`order-items`', { schema: 'sales', name: 'order-items' }],
    ['sales."Order Items"', { schema: 'sales', name: 'Order Items' }],
    ['"a.b"', { name: 'a.b' }],
    ['"say ""hi"""', { name: 'say "hi"' }],
    ['`a``b`', { name: 'a`b' }],
    ['x; DROP TABLE y', { name: 'x; DROP TABLE y' }],
    ['a"b', { name: 'a"b' }],
    ['a'.repeat(64), { name: 'a'.repeat(64) }],
  ])('reads %j as exact names', (text, expected) => {
    expect(parseTableName(text)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['', 'has an empty name (quote a name only to keep dots or quotes in it)'],
    ['hr.', 'has an empty name (quote a name only to keep dots or quotes in it)'],
    ['.t', 'has an empty name (quote a name only to keep dots or quotes in it)'],
    ['""', 'has an empty name (quote a name only to keep dots or quotes in it)'],
    ['a.b.c', 'must be "table" or "schema.table" (quote a name that contains a dot: "my.table")'],
    ['"My Schema', 'has an unterminated " quote'],
    ['`x', 'has an unterminated ` quote'],
    ['"a"b', 'has text after a closing quote (join schema and table with ".")'],
    ['a\u0000b', 'must not contain the NUL character'],
    ['a'.repeat(65), 'has a name longer than 64 characters'],
  ])('refuses %j: %s', (text, problem) => {
    expect(parseTableName(text)).toEqual({ ok: false, problem });
    expect(tableNameProblem(text)).toBe(problem);
  });

  it('reads back what formatTableName writes, for any name', () => {
    for (const table of [{ name: 'Order Items' }, { schema: 'My Schema', name: 'a.b' }, { schema: 's', name: 'say "hi"' }, { name: 'plain_1' }, { name: '表' }]) {
      expect(parseTableName(formatTableName(table))).toEqual({ ok: true, value: table });
    }
    expect(formatTableName({ schema: 'My Schema', name: 'Order Items' })).toBe('"My Schema"."Order Items"');
    expect(formatTableName({ schema: 'sales', name: 'invoices' })).toBe('sales.invoices');
  });
});

describe('Function: parseColumnName', () => {
  it.each([
    ['id', 'id'],
    ['First Name', 'First Name'],
    ['a.b', 'a.b'],
    ['"First Name"', 'First Name'],
    ['`order-id`', 'order-id'],
    ['"a""b"', 'a"b'],
    ['ÄÖÜ', 'ÄÖÜ'],
  ])('reads %j as %j', (text, name) => {
    expect(parseColumnName(text)).toEqual({ ok: true, value: name });
  });

  it.each([
    ['', 'has an empty name (quote a name only to keep dots or quotes in it)'],
    ['"x', 'has an unterminated " quote'],
    ['"a" b', 'has text after the closing quote (a column is one name)'],
    ['"""x"""', 'is a column name that starts with a quote character, which is not supported'],
    ['x\u0000', 'must not contain the NUL character'],
  ])('refuses %j: %s', (text, problem) => {
    expect(parseColumnName(text)).toEqual({ ok: false, problem });
    expect(columnNameProblem(text)).toBe(problem);
  });

  it('reads its own result back to the same name (config is parsed twice)', () => {
    for (const text of ['"First Name"', '`a``b`', 'plain', '"a""b"']) {
      const once = parseColumnName(text);
      expect(once.ok).toBe(true);
      if (once.ok) expect(parseColumnName(once.value)).toEqual(once);
    }
  });
});

describe('Function: jobNameForTable', () => {
  it.each([
    [{ name: 'invoices' }, undefined, 'invoices'],
    [{ schema: 'sales', name: 'invoices' }, undefined, 'sales-invoices'],
    [{ schema: 'billing', name: 'invoices' }, undefined, 'billing-invoices'],
    [{ schema: 'public', name: 'invoices' }, 'public', 'invoices'],
    [{ schema: 'shop', name: 'invoices' }, 'shop', 'invoices'],
  ])('names %j (default schema %j) %j', (table, defaultSchema, expected) => {
    expect(jobNameForTable(table, { defaultSchema })).toBe(expected);
  });

  it('keeps names apart that differ only in case or punctuation, with a hash of the exact name', () => {
    // Act
    const names = [
      { name: 'order-items' },
      { name: 'order_items' },
      { name: 'Order Items' },
      { name: 'ORDER_ITEMS' },
      { schema: 'My Schema', name: 'Order Items' },
      { schema: 'my_schema', name: 'order_items' },
      { name: '表' },
      { name: 'таблица' },
    ].map((t) => jobNameForTable(t));

    // Assess
    expect(names[0]).toMatch(/^order_items--[0-9a-f]{8}$/);
    expect(names[1]).toBe('order_items');
    expect(names[2]).toMatch(/^order_items--[0-9a-f]{8}$/);
    expect(names[4]).toMatch(/^my_schema-order_items--[0-9a-f]{8}$/);
    expect(names[5]).toBe('my_schema-order_items');
    expect(names[6]).toMatch(/^x--[0-9a-f]{8}$/);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(jobNameProblem(name)).toBeNull();
  });

  it('is deterministic: the same table always gets the same name', () => {
    expect(jobNameForTable({ name: 'order-items' })).toBe(jobNameForTable({ name: 'order-items' }));
    // FNV-1a 32 of the UTF-8 text `"order-items"` (the name as formatTableName writes it).
    expect(jobNameForTable({ name: 'order-items' })).toBe('order_items--15f89ee8');
  });

  it('cuts a long name to a valid job name, still unique by its hash', () => {
    // Act
    const a = jobNameForTable({ schema: 's'.repeat(64), name: 't'.repeat(64) });
    const b = jobNameForTable({ schema: 's'.repeat(64), name: `${'t'.repeat(63)}u` });

    // Assess
    expect(a.length).toBeLessThanOrEqual(63);
    expect(jobNameProblem(a)).toBeNull();
    expect(a).not.toBe(b);
  });
});

describe('Function: jobNameProblem', () => {
  it.each(['employees', 'a', '0job', 'job_1-x', 'a'.repeat(63), 'orders-daily'])('accepts %j', (name) => {
    expect(jobNameProblem(name)).toBeNull();
  });

  it.each(['', 'Employees', '_job', '-job', 'a'.repeat(64), 'job name', 'job.x', 'jöb', 'job/x', ' job', 'job\n'])('refuses %j', (name) => {
    expect(jobNameProblem(name)).toBe(
      'must be 1 to 63 characters of lowercase letters, digits, "_" or "-", starting with a letter or digit',
    );
  });
});
