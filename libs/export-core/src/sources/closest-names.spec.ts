import { describe, expect, it } from 'vitest';
import { closestHint, closestNames, missingNameError } from './closest-names.js';

const names = (...list: string[]) => list.map((name) => ({ name }));

describe('Function: closestNames', () => {
  it('puts the same name in another case first', () => {
    expect(closestNames('ORDERITEMS_LOWER', names('orders', 'orderitems_lowr', 'orderitems_lower', 'customers'))).toEqual(['orderitems_lower', 'orderitems_lowr']);
  });

  it('then names that contain it, then small typos; far names are left out', () => {
    expect(closestNames('invoice', names('invoices', 'invoice_lines', 'invoise', 'zzz_unrelated'))).toEqual(['invoices', 'invoice_lines', 'invoise']);
  });

  it('shows each name as it can be written in config', () => {
    expect(closestNames('order items', [{ name: 'Order Items' }, { name: 'order_items', display: 'sales.order_items' }])).toEqual(['"Order Items"', 'sales.order_items']);
  });

  it('lists at most five', () => {
    expect(closestNames('t', names('t1', 't2', 't3', 't4', 't5', 't6'))).toHaveLength(5);
  });
});

describe('Function: missingNameError', () => {
  it('keeps the server message, says names are exact, and lists the closest', () => {
    // Act
    const error = missingNameError('reading the columns: PostgreSQL 42P01: relation "ORDERITEMS_LOWER" does not exist', { kind: 'table', name: 'ORDERITEMS_LOWER' }, names('orderitems_lower'), new Error('server text'));

    // Assess
    expect(error.code).toBe('SOURCE_OBJECT_NOT_FOUND');
    expect(error.errorClass).toBe('config');
    expect(error.message).toBe(
      'reading the columns: PostgreSQL 42P01: relation "ORDERITEMS_LOWER" does not exist (names are taken exactly as written, never case-folded; ' +
        'quote a part that contains a dot: "My Schema"."Order Items"); closest existing tables: orderitems_lower',
    );
  });

  it('names a missing schema, and says so when nothing is close or nothing is visible', () => {
    expect(missingNameError('m', { kind: 'schema', name: 'My Sales' }, names('my_sales'), undefined).message).toMatch(/\); there is no schema "My Sales"; closest existing schemas: my_sales$/);
    expect(missingNameError('m', { kind: 'column', name: 'x' }, names('customers_archive'), undefined).message).toMatch(/\); no existing column name is close to it$/);
    expect(missingNameError('m', { kind: 'table', name: 'x' }, [], undefined).message).toMatch(/\); this user can see no tables there$/);
  });
});

describe('Function: closestHint', () => {
  it('lists the close names, or nothing', () => {
    expect(closestHint('order id', ['Order ID', 'name'])).toBe('; closest: "Order ID"');
    expect(closestHint('zzz', ['Order ID'])).toBe('');
  });
});
