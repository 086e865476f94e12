/**
 * Deterministic sample data for `employees`: row N is always the same, on every machine, so
 * tests can compute the exact expected CSV of any row with {@link sampleEmployee}.
 */
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { employees, type NewEmployee } from './employees-schema.js';

/** Rows per INSERT: 1,000 rows x 9 columns stays far below PostgreSQL's 65,535 bind parameters. */
export const SEED_BATCH_SIZE = 1_000;

const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Margaret', 'Linus', 'Zoë', 'José'];
const LAST_NAMES = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Hamilton', "O'Neil", 'Müller', 'Nuñez'];
const DEPARTMENTS = ['Engineering', 'Finance', 'Sales', 'Support', 'Research, Development', 'Operations'];

/**
 * The notes pattern repeats every 7 rows, so any seed of 7+ rows holds every edge case:
 * NULL, '' (distinct from NULL in CSV), commas, double quotes, a newline (and CRLF), plain text
 * and non-ASCII text.
 */
export function sampleNote(index: number): string | null {
  switch (index % 7) {
    case 0:
      return null;
    case 1:
      return '';
    case 2:
      return 'likes commas, semicolons; and more, commas';
    case 3:
      return 'said "hello" and \'bye\'';
    case 4:
      return 'line one\nline two\r\nline three';
    case 5:
      return `plain note ${index}`;
    default:
      return 'café ☕ naïve — 日本';
  }
}

const DAY_MS = 86_400_000;
const HIRED_EPOCH = Date.UTC(2000, 0, 1);
const UPDATED_EPOCH = Date.UTC(2026, 0, 1);

/**
 * The row at 0-based `index` (its id will be index + 1 when seeded into an empty table).
 * Values are in PostgreSQL text form: salary as exact decimal text, dates as `YYYY-MM-DD`,
 * timestamps as UTC with microseconds.
 */
export function sampleEmployee(index: number): NewEmployee {
  const first = FIRST_NAMES[index % FIRST_NAMES.length] as string;
  const last = LAST_NAMES[Math.floor(index / FIRST_NAMES.length) % LAST_NAMES.length] as string;
  const cents = (index * 37) % 100;
  const dollars = 30_000 + ((index * 7_919) % 170_000);
  const hired = new Date(HIRED_EPOCH + ((index * 13) % 9_000) * DAY_MS);
  const updatedMs = UPDATED_EPOCH + index * 61_000;
  const micros = (index * 7_907) % 1_000_000;
  const updated = new Date(updatedMs).toISOString().slice(0, 19).replace('T', ' ');
  return {
    firstName: first,
    lastName: last,
    email: `${first}.${last}.${index}@example.com`.toLowerCase().replace(/[^a-z0-9.@]/g, ''),
    department: DEPARTMENTS[index % DEPARTMENTS.length] as string,
    salary: `${dollars}.${String(cents).padStart(2, '0')}`,
    hiredOn: hired.toISOString().slice(0, 10),
    updatedAt: `${updated}.${String(micros).padStart(6, '0')}+00`,
    active: index % 5 !== 0,
    notes: sampleNote(index),
  };
}

/** Any drizzle PostgreSQL database: PGlite here, node-postgres against a real server. */
export type AnyPgDatabase = PgDatabase<PgQueryResultHKT, Record<string, unknown>>;

/**
 * Creates `employees` if missing and appends `count` deterministic rows in batches of
 * {@link SEED_BATCH_SIZE}, inside one transaction (all rows or none).
 *
 * @example
 * const db = drizzle(new PGlite());
 * await seedEmployees(db, 10_000);
 */
export async function seedEmployees(db: AnyPgDatabase, count: number): Promise<void> {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`seedEmployees: count must be a non-negative integer, got ${count}`);
  // The DDL of employees-schema.ts (no drizzle-kit here); postgres.integ.spec.ts checks they agree.
  await db.execute(sql`
    CREATE TABLE IF NOT EXISTS employees (
      id bigserial PRIMARY KEY,
      first_name text NOT NULL,
      last_name text NOT NULL,
      email text NOT NULL,
      department text NOT NULL,
      salary numeric(12,2) NOT NULL,
      hired_on date NOT NULL,
      updated_at timestamptz NOT NULL,
      active boolean NOT NULL,
      notes text
    )`);
  if (count === 0) return;
  await db.transaction(async (tx) => {
    for (let start = 0; start < count; start += SEED_BATCH_SIZE) {
      const end = Math.min(count, start + SEED_BATCH_SIZE);
      const batch: NewEmployee[] = [];
      for (let index = start; index < end; index++) batch.push(sampleEmployee(index));
      await tx.insert(employees).values(batch);
    }
  });
}
