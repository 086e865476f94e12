/**
 * The sample `employees` table of the demo and of the PostgreSQL tests. Its columns cover the
 * CSV edge cases the exporter must keep exact: BIGINT ids, NUMERIC money, DATE, zone-aware
 * timestamps with microseconds, booleans, and a nullable text column holding NULL, the empty
 * string, commas, quotes, newlines and non-ASCII text.
 */
import { bigserial, boolean, date, numeric, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const employees = pgTable('employees', {
  id: bigserial('id', { mode: 'bigint' }).primaryKey(),
  firstName: text('first_name').notNull(),
  lastName: text('last_name').notNull(),
  email: text('email').notNull(),
  department: text('department').notNull(),
  salary: numeric('salary', { precision: 12, scale: 2 }).notNull(),
  hiredOn: date('hired_on', { mode: 'string' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull(),
  active: boolean('active').notNull(),
  notes: text('notes'),
});

export type Employee = typeof employees.$inferSelect;
export type NewEmployee = typeof employees.$inferInsert;
