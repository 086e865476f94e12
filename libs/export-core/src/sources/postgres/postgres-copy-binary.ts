/**
 * The Parquet wire path on PostgreSQL: `COPY (SELECT the columns) TO STDOUT (FORMAT binary)`,
 * each cell handed to the batch builder in its type's binary send format (CellTarget.appendWire),
 * so integers, floats, dates, timestamps and numerics are read from their bytes instead of parsed
 * from text, and text needs no unescaping (binary COPY frames every field by its length).
 *
 * Only where the binary form is exactly the value the text path gives: `wireEncoding` names the
 * types, each only for the Parquet type typed-columns.ts gives it (uuid and time, written as
 * their text, are rebuilt from their 16 and 8 bytes as uuid_out and time_out write them). A
 * result with any other column (interval, timetz, arrays, money, unconstrained numeric …) takes
 * the COPY text path (postgres-copy-cells.ts) as a whole.
 *
 * COPY binary format (PostgreSQL docs, "COPY", Binary Format): an 11-byte signature, 32-bit flags
 * and a header extension; then per row a 16-bit field count and per field a 32-bit length (-1:
 * NULL) and its bytes; a field count of -1 ends the data.
 */
import type { Readable } from 'node:stream';
import type { TypedColumn } from '@rds-s3-export/shared-types';
import type { CellReader, CellTarget, WireEncoding } from '../../ports.js';
import { copyReads } from './postgres-copy-reads.js';
import { int16At, int32At } from '../../parquet/pg-binary-values.js';

const OID = {
  bool: 16, bytea: 17, name: 19, int8: 20, int2: 21, int4: 23, text: 25, oid: 26, json: 114, float4: 700, float8: 701,
  bpchar: 1042, varchar: 1043, date: 1082, time: 1083, timestamp: 1114, timestamptz: 1184, numeric: 1700, uuid: 2950, jsonb: 3802,
} as const;

/**
 * How a column of type `oid` (with pg_type.typtype) comes through binary COPY into its Parquet
 * column `typed`, or undefined when it must come as text. Text types, json and enums send their
 * text (the output function's bytes); bpchar keeps its padding there as in its text.
 */
export function wireEncoding(oid: number, typtype: string | null | undefined, typed: TypedColumn): WireEncoding | undefined {
  const int = (bits: number) => typed.type === 'int' && typed.bits === bits;
  switch (oid) {
    case OID.int2: return int(16) ? 'pg-int2' : undefined;
    case OID.int4: return int(32) ? 'pg-int4' : undefined;
    case OID.int8: return int(64) ? 'pg-int8' : undefined;
    case OID.oid: return int(64) ? 'pg-oid' : undefined;
    case OID.float4: return typed.type === 'float' ? 'pg-float4' : undefined;
    case OID.float8: return typed.type === 'double' ? 'pg-float8' : undefined;
    case OID.bool: return typed.type === 'boolean' ? 'pg-bool' : undefined;
    case OID.numeric: return typed.type === 'decimal' ? 'pg-numeric' : undefined;
    case OID.date: return typed.type === 'date' ? 'pg-date' : undefined;
    case OID.timestamp: return typed.type === 'timestamp' && !typed.utc ? 'pg-timestamp' : undefined;
    case OID.timestamptz: return typed.type === 'timestamp' && typed.utc ? 'pg-timestamp' : undefined;
    case OID.bytea: return typed.type === 'binary' ? 'raw' : undefined;
    case OID.text: case OID.varchar: case OID.bpchar: case OID.name: case OID.json:
      return typed.type === 'string' && !typed.reason ? 'raw' : undefined;
    case OID.jsonb: return typed.type === 'string' && !typed.reason ? 'pg-jsonb' : undefined;
    // Written as their text (a string column): rebuilt from the binary form as the output functions write it.
    case OID.uuid: return typed.type === 'string' && !typed.reason ? 'pg-uuid' : undefined;
    case OID.time: return typed.type === 'string' && typed.reason === 'time-no-glue-type' ? 'pg-time' : undefined;
    default: return typtype === 'e' && typed.type === 'string' && !typed.reason ? 'raw' : undefined;
  }
}

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER = SIGNATURE.length + 8;

/** What `parse` read: where it stopped, whether the target is full, and the bytes from `pos` it needs next. */
export interface BinaryParse {
  readonly pos: number;
  readonly full: boolean;
  /** At least this many bytes from `pos` before it can go on (0 once full or at the trailer). */
  readonly need: number;
}

/** Parses COPY binary rows into a target's appendWire. */
export class CopyBinaryParser {
  private readonly bounds: Int32Array;
  private header = false;
  /** The trailer (field count -1) has been read. */
  done = false;

  constructor(private readonly encodings: readonly WireEncoding[]) {
    this.bounds = new Int32Array(2 * encodings.length);
  }

  parse(buf: Buffer, pos: number, end: number, target: CellTarget): BinaryParse {
    if (!this.header) {
      if (end - pos < HEADER) return { pos, full: false, need: HEADER };
      if (!buf.subarray(pos, pos + SIGNATURE.length).equals(SIGNATURE)) throw new Error('malformed COPY binary output: no PGCOPY signature');
      // Bit 16: each row starts with an OID field (WITH OIDS, gone since PostgreSQL 12).
      if ((buf.readInt32BE(pos + SIGNATURE.length) & 0x10000) !== 0) throw new Error('malformed COPY binary output: rows carry OIDs');
      const extension = buf.readInt32BE(pos + SIGNATURE.length + 4);
      if (end - pos < HEADER + extension) return { pos, full: false, need: HEADER + extension };
      pos += HEADER + extension;
      this.header = true;
    }
    const n = this.encodings.length;
    const bounds = this.bounds;
    for (;;) {
      if (this.done) {
        if (pos !== end) throw new Error('malformed COPY binary output: data after the trailer');
        return { pos, full: false, need: 0 };
      }
      if (end - pos < 2) return { pos, full: false, need: 2 };
      const count = int16At(buf, pos);
      if (count === -1) {
        this.done = true;
        pos += 2;
        continue;
      }
      if (count !== n) throw new Error(`malformed COPY binary row: ${n} fields expected, ${count} read`);
      let p = pos + 2;
      for (let c = 0; c < n; c++) {
        if (end - p < 4) return { pos, full: false, need: p + 4 - pos };
        const length = int32At(buf, p);
        p += 4;
        if (length < 0) {
          bounds[2 * c] = -1;
          bounds[2 * c + 1] = -1;
          continue;
        }
        if (end - p < length) return { pos, full: false, need: p + length - pos };
        bounds[2 * c] = p;
        bounds[2 * c + 1] = p + length;
        p += length;
      }
      const full = target.appendWire(buf, bounds, this.encodings);
      pos = p;
      if (full) return { pos, full: true, need: 0 };
    }
  }
}

/** The binary COPY stream's rows, a batch per fill. */
export function readCopyBinaryCells(copy: Readable, encodings: readonly WireEncoding[]): CellReader {
  const parser = new CopyBinaryParser(encodings);
  const reads = copyReads(copy);
  let chunk: Buffer | undefined;
  let pos = 0;
  let need = 0;

  return {
    path: 'wire',
    async fill(target: CellTarget): Promise<boolean> {
      for (;;) {
        if (reads.failure) throw reads.failure;
        if (chunk) {
          const parsed = parser.parse(chunk, pos, chunk.length, target);
          pos = parsed.pos;
          need = parsed.need;
          if (parsed.full) return false;
        }
        // A row cut between reads: its start joined with as many reads as the cell in progress
        // needs and at least as many bytes again as it already has, so a row of several large
        // cells is joined a few times over (its size doubling each time), never once per cell.
        const parts = chunk && pos < chunk.length ? [chunk.subarray(pos)] : [];
        let have = parts[0]?.length ?? 0;
        const want = Math.max(need, 2 * have, 1);
        let ended = false;
        while (have < want) {
          const read = await reads.next();
          if (read === null) {
            ended = true;
            break;
          }
          parts.push(read);
          have += read.length;
        }
        if (ended && have < Math.max(need, 1)) {
          if (have > 0) throw new Error('malformed COPY binary output: the last row has no end');
          if (!parser.done) throw new Error('malformed COPY binary output: it ended without its trailer');
          chunk = undefined;
          return true;
        }
        chunk = parts.length === 1 ? parts[0] : Buffer.concat(parts, have);
        pos = 0;
      }
    },
    destroy: (error?: Error) => reads.destroy(error),
  };
}
