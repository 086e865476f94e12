import { describe, expect, it } from 'vitest';
import { glueType, typedColumn, type SourceColumnKind, type TypedColumn } from './typed-columns.js';

type Case = [sourceType: string, kind: SourceColumnKind, typed: TypedColumn, glue: string];

// Declared types as information_schema.COLUMNS.COLUMN_TYPE spells them (MariaDB 11, MySQL 8),
// then the protocol names a custom query falls back to (mysql-columns.ts TYPE_NAMES).
const mysqlCases: Case[] = [
  ['tinyint(4)', 'number', { type: 'int', bits: 8 }, 'tinyint'],
  ['tinyint(1)', 'number', { type: 'int', bits: 8 }, 'tinyint'],
  ['tinyint(3) unsigned', 'number', { type: 'int', bits: 16 }, 'smallint'],
  ['smallint(6)', 'number', { type: 'int', bits: 16 }, 'smallint'],
  ['smallint(5) unsigned zerofill', 'number', { type: 'int', bits: 32 }, 'int'],
  ['mediumint(8) unsigned', 'number', { type: 'int', bits: 32 }, 'int'],
  ['int(11)', 'number', { type: 'int', bits: 32 }, 'int'],
  ['int unsigned', 'number', { type: 'int', bits: 64 }, 'bigint'],
  ['bigint(20)', 'number', { type: 'int', bits: 64 }, 'bigint'],
  ['bigint(20) unsigned', 'number', { type: 'decimal', precision: 20, scale: 0 }, 'decimal(20,0)'],
  ['bigint unsigned', 'number', { type: 'decimal', precision: 20, scale: 0 }, 'decimal(20,0)'],
  ['bit(1)', 'number', { type: 'int', bits: 64 }, 'bigint'],
  ['bit(63)', 'number', { type: 'int', bits: 64 }, 'bigint'],
  ['bit(64)', 'number', { type: 'decimal', precision: 20, scale: 0 }, 'decimal(20,0)'],
  ['bit', 'number', { type: 'decimal', precision: 20, scale: 0 }, 'decimal(20,0)'],
  ['year(4)', 'number', { type: 'int', bits: 16 }, 'smallint'],
  ['year', 'number', { type: 'int', bits: 16 }, 'smallint'],
  ['decimal(12,2)', 'number', { type: 'decimal', precision: 12, scale: 2 }, 'decimal(12,2)'],
  ['decimal(10,2) unsigned zerofill', 'number', { type: 'decimal', precision: 10, scale: 2 }, 'decimal(10,2)'],
  ['decimal(38,10)', 'number', { type: 'decimal', precision: 38, scale: 10 }, 'decimal(38,10)'],
  ['decimal(39,0)', 'number', { type: 'string', reason: 'decimal-precision-over-38' }, 'string'],
  ['decimal(65,30)', 'number', { type: 'string', reason: 'decimal-precision-over-38' }, 'string'],
  ['decimal', 'number', { type: 'string', reason: 'decimal-precision-unknown' }, 'string'],
  ['float', 'number', { type: 'float' }, 'float'],
  ['float(7,3)', 'number', { type: 'float' }, 'float'],
  ['double', 'number', { type: 'double' }, 'double'],
  ['double(10,2) unsigned', 'number', { type: 'double' }, 'double'],
  ['date', 'temporal', { type: 'date' }, 'date'],
  ['datetime(6)', 'temporal', { type: 'timestamp', utc: false }, 'timestamp'],
  ['datetime', 'temporal', { type: 'timestamp', utc: false }, 'timestamp'],
  ['timestamp(3)', 'temporal', { type: 'timestamp', utc: true }, 'timestamp'],
  ['time(6)', 'temporal', { type: 'string', reason: 'mysql-time-range' }, 'string'],
  ["enum('a','b')", 'text', { type: 'string' }, 'string'],
  ["set('x','y')", 'text', { type: 'string' }, 'string'],
  ['json', 'json', { type: 'string' }, 'string'],
  ['longtext', 'text', { type: 'string' }, 'string'],
  ['uuid', 'text', { type: 'string' }, 'string'],
  ['varchar(255)', 'text', { type: 'string' }, 'string'],
  ['binary(16)', 'binary', { type: 'binary' }, 'binary'],
  ['varbinary(20)', 'binary', { type: 'binary' }, 'binary'],
  ['longblob', 'binary', { type: 'binary' }, 'binary'],
  // A custom query's MEDIUMTEXT falls back to the protocol name `mediumblob`: the kind decides.
  ['mediumblob', 'text', { type: 'string' }, 'string'],
  ['geometry', 'other', { type: 'string' }, 'string'],
  ['vector(3)', 'other', { type: 'string' }, 'string'],
];

// As pg_catalog.format_type(oid, typmod) spells them.
const postgresCases: Case[] = [
  ['smallint', 'number', { type: 'int', bits: 16 }, 'smallint'],
  ['integer', 'number', { type: 'int', bits: 32 }, 'int'],
  ['bigint', 'number', { type: 'int', bits: 64 }, 'bigint'],
  ['oid', 'number', { type: 'int', bits: 64 }, 'bigint'],
  ['numeric(12,2)', 'number', { type: 'decimal', precision: 12, scale: 2 }, 'decimal(12,2)'],
  ['numeric(38,38)', 'number', { type: 'decimal', precision: 38, scale: 38 }, 'decimal(38,38)'],
  ['numeric(5,-2)', 'number', { type: 'decimal', precision: 7, scale: 0 }, 'decimal(7,0)'],
  ['numeric(2,5)', 'number', { type: 'decimal', precision: 5, scale: 5 }, 'decimal(5,5)'],
  ['numeric(37,-2)', 'number', { type: 'string', reason: 'decimal-precision-over-38' }, 'string'],
  ['numeric(1000,0)', 'number', { type: 'string', reason: 'decimal-precision-over-38' }, 'string'],
  ['numeric', 'number', { type: 'string', reason: 'decimal-unconstrained' }, 'string'],
  ['money', 'number', { type: 'string', reason: 'money-locale-scale' }, 'string'],
  ['real', 'number', { type: 'float' }, 'float'],
  ['double precision', 'number', { type: 'double' }, 'double'],
  ['boolean', 'boolean', { type: 'boolean' }, 'boolean'],
  ['bytea', 'binary', { type: 'binary' }, 'binary'],
  ['date', 'temporal', { type: 'date' }, 'date'],
  ['time without time zone', 'temporal', { type: 'string', reason: 'time-no-glue-type' }, 'string'],
  ['time(3) without time zone', 'temporal', { type: 'string', reason: 'time-no-glue-type' }, 'string'],
  ['time with time zone', 'temporal', { type: 'string' }, 'string'],
  ['timestamp without time zone', 'temporal', { type: 'timestamp', utc: false }, 'timestamp'],
  ['timestamp(0) without time zone', 'temporal', { type: 'timestamp', utc: false }, 'timestamp'],
  ['timestamp(3) with time zone', 'temporal', { type: 'timestamp', utc: true }, 'timestamp'],
  ['interval', 'temporal', { type: 'string' }, 'string'],
  ['uuid', 'other', { type: 'string' }, 'string'],
  ['jsonb', 'json', { type: 'string' }, 'string'],
  ['character varying(10)', 'text', { type: 'string' }, 'string'],
  ['integer[]', 'other', { type: 'string' }, 'string'],
  ['numeric(10,2)[]', 'other', { type: 'string' }, 'string'],
  ['bit(3)', 'other', { type: 'string' }, 'string'],
  ['"My Schema".mood', 'text', { type: 'string' }, 'string'],
];

describe('Function: typedColumn', () => {
  it.each(mysqlCases)('mysql %s (%s) is %j, Glue %s', (sourceType, kind, typed, glue) => {
    expect(typedColumn('mysql', { sourceType, kind })).toEqual(typed);
    expect(typedColumn('mariadb', { sourceType, kind })).toEqual(typed);
    expect(glueType(typedColumn('mysql', { sourceType, kind }))).toBe(glue);
  });

  it.each(postgresCases)('postgres %s (%s) is %j, Glue %s', (sourceType, kind, typed, glue) => {
    expect(typedColumn('postgres', { sourceType, kind })).toEqual(typed);
    expect(glueType(typedColumn('postgres', { sourceType, kind }))).toBe(glue);
  });

  it('reads the declared type case-insensitively for MySQL (custom queries report upper case names on some servers)', () => {
    expect(typedColumn('mysql', { sourceType: 'DECIMAL(12,2) UNSIGNED', kind: 'number' })).toEqual({ type: 'decimal', precision: 12, scale: 2 });
  });
});
