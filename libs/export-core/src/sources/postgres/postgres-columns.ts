/**
 * How each PostgreSQL type becomes CSV text (the CSV contract in README.md). The conversion
 * happens in the SELECT list, so the same expressions serve COPY and the row cursor, and the
 * server does the work: no JS Date, no JS number ever touches a value.
 */
import type { CsvDialect } from '@rds-s3-export/shared-types';
import type { ColumnKind } from '../../ports.js';

const OID = {
  bool: 16, bytea: 17, char: 18, name: 19, int8: 20, int2: 21, int4: 23, text: 25, oid: 26, json: 114, xml: 142,
  float4: 700, float8: 701, money: 790, moneyArray: 791, bpchar: 1042, varchar: 1043, date: 1082, time: 1083, timestamp: 1114,
  timestamptz: 1184, interval: 1186, timetz: 1266, numeric: 1700, uuid: 2950, jsonb: 3802,
} as const;

const KINDS = new Map<number, ColumnKind>([
  [OID.bool, 'boolean'], [OID.bytea, 'binary'],
  [OID.char, 'text'], [OID.name, 'text'], [OID.text, 'text'], [OID.bpchar, 'text'], [OID.varchar, 'text'], [OID.xml, 'text'],
  [OID.int2, 'number'], [OID.int4, 'number'], [OID.int8, 'number'], [OID.oid, 'number'], [OID.float4, 'number'],
  [OID.float8, 'number'], [OID.numeric, 'number'], [OID.money, 'number'],
  [OID.date, 'temporal'], [OID.time, 'temporal'], [OID.timestamp, 'temporal'], [OID.timestamptz, 'temporal'],
  [OID.interval, 'temporal'], [OID.timetz, 'temporal'], [OID.json, 'json'], [OID.jsonb, 'json'],
]);

/**
 * Type categories (`pg_type.typcategory`) whose output is free text: strings (citext, a domain
 * over text), enums, and user-defined/extension base types (their output function may write
 * anything). Their cells get the formula guard like text. Arrays, composites, ranges,
 * geometry and network types stay `other`: their text starts with `{ ( [` or a digit.
 */
const TEXT_CATEGORIES = new Set(['S', 'E', 'U']);

/** The kind of a column from its type OID, or, for types without a fixed OID (enums, extension types, domains), from its category. */
export function columnKind(typeOid: number, type?: { typtype?: string | null; category?: string | null }): ColumnKind {
  const known = KINDS.get(typeOid);
  if (known) return known;
  if (type?.typtype === 'e' || TEXT_CATEGORIES.has(type?.category ?? '')) return 'text';
  return 'other';
}

/** Select expression for one column, given its quoted name. */
export function selectExpression(quoted: string, typeOid: number, dialect: CsvDialect): string {
  switch (typeOid) {
    case OID.bool:
      // COPY would write t/f; the contract says true/false.
      return `${quoted}::text`;
    case OID.bytea:
      // encode(..., 'base64') wraps lines every 76 characters; remove the breaks.
      return dialect.binaryEncoding === 'hex' ? `pg_catalog.encode(${quoted}, 'hex')` : `pg_catalog.translate(pg_catalog.encode(${quoted}, 'base64'), E'\\n', '')`;
    case OID.timestamptz:
      // Session TimeZone is UTC; AT TIME ZONE drops the "+00" suffix, giving the server's
      // timestamp text. ±infinity stays as is.
      return dialect.timestampFormat === 'iso8601'
        ? `CASE WHEN pg_catalog.isfinite(${quoted}) THEN pg_catalog.replace((${quoted} AT TIME ZONE 'UTC')::text, ' ', 'T') || 'Z' ELSE ${quoted}::text END`
        : `(${quoted} AT TIME ZONE 'UTC')::text`;
    case OID.money:
      // money's own text follows lc_monetary (`-$1,234.56`, `-1.234,56 €`): numeric text is the
      // same value in every locale (`-1234.56`). The cast scales by the locale's frac_digits,
      // as money's value itself does (a yen amount has none), so no digit is lost or invented.
      return `(${quoted})::pg_catalog.numeric`;
    case OID.moneyArray:
      return `(${quoted})::pg_catalog.numeric[]`;
    default:
      // The type's own output function, unchanged (a ::text cast would strip char(n) padding).
      return quoted;
  }
}
