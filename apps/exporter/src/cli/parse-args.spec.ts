import { describe, expect, it } from 'vitest';
import { CliUsageError } from './errors.js';
import { parseCliArgs } from './parse-args.js';

const my = 'mariadb://exporter@db:3306/shop';
const pg = 'postgres://exporter@db:5432/analytics';
const args = (source: string, ...rest: string[]) => parseCliArgs(['--source', source, '--dest', 'file:///tmp/x', ...rest]);

describe('Function: parseCliArgs (names)', () => {
  it.each([
    [my, 'orders', 'orders'],
    [my, 'shop.orders', 'orders'],
    [my, 'sales.invoices', 'sales-invoices'],
    [my, '`sales`.`invoices`', 'sales-invoices'],
    [pg, 'invoices', 'invoices'],
    [pg, 'public.invoices', 'invoices'],
    [pg, 'billing.invoices', 'billing-invoices'],
    [pg, '"billing"."invoices"', 'billing-invoices'],
  ])('names the job of %s --table %s %j', (source, table, job) => {
    expect(args(source, '--table', table)).toMatchObject({ table, jobName: job });
  });

  it('keeps tables of the same name in two schemas apart', () => {
    expect(args(pg, '--table', 'sales.invoices').jobName).not.toBe(args(pg, '--table', 'billing.invoices').jobName);
  });

  it('hashes names that are not already a job name, deterministically', () => {
    // Act
    const dashed = args(my, '--table', 'order-items').jobName;
    const spaced = args(pg, '--table', '"My Schema"."Order Items"').jobName;

    // Assess
    expect(dashed).toBe('order_items--15f89ee8');
    expect(spaced).toMatch(/^my_schema-order_items--[0-9a-f]{8}$/);
    expect(args(pg, '--table', '"My Schema"."Order Items"').jobName).toBe(spaced);
  });

  it('lets --job-name win over the derived name', () => {
    expect(args(pg, '--table', 'billing.invoices', '--job-name', 'Invoices').jobName).toBe('invoices');
  });

  it('reads --chunk-key to the exact column name', () => {
    expect(args(my, '--table', 'orders', '--chunk-key', '"Order ID"').chunkKey).toBe('Order ID');
    expect(args(my, '--table', 'orders', '--chunk-key', 'Order ID').chunkKey).toBe('Order ID');
  });

  it.each([
    [['--table', 'a.b.c'], '--table "a.b.c" must be "table" or "schema.table" (quote a name that contains a dot: "my.table")'],
    [['--table', '"x'], '--table ""x" has an unterminated " quote'],
    [['--table', 'orders', '--chunk-key', '`x'], '--chunk-key "`x" has an unterminated ` quote'],
  ])('refuses %j naming the option', (rest, message) => {
    expect(() => args(my, ...rest)).toThrow(CliUsageError);
    expect(() => args(my, ...rest)).toThrow(message);
  });
});

describe('Function: parseCliArgs (--format)', () => {
  it('reads --format csv|parquet and leaves it unset without the flag (the job\'s, else csv)', () => {
    expect(args(my, '--table', 'orders', '--format', 'parquet').format).toBe('parquet');
    expect(args(my, '--table', 'orders', '--format', 'csv').format).toBe('csv');
    expect(args(my, '--table', 'orders').format).toBeUndefined();
  });

  it('refuses another format, naming the option', () => {
    expect(() => args(my, '--table', 'orders', '--format', 'orc')).toThrow(CliUsageError);
    expect(() => args(my, '--table', 'orders', '--format', 'orc')).toThrow('--format');
  });
});
