import { describe, expect, it } from 'vitest';
import { closestNames, missingNameError } from './closest-names.js';

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
  it('says the name is missing, that names are exact, and lists the closest', () => {
    // Act
    const error = missingNameError('table "ORDERITEMS_LOWER"', 'ORDERITEMS_LOWER', names('orderitems_lower'), 'reading the columns', new Error('server text'));

    // Assess
    expect(error.code).toBe('SOURCE_OBJECT_NOT_FOUND');
    expect(error.errorClass).toBe('config');
    expect(error.message).toMatch(/^reading the columns: table "ORDERITEMS_LOWER" does not exist \(names are exact: case, spaces and punctuation count; .*\); closest existing: orderitems_lower$/);
  });

  it('says so when nothing is close, or nothing is visible', () => {
    expect(missingNameError('table "x"', 'x', names('customers_archive'), 'w', undefined).message).toMatch(/; no existing name is close to it$/);
    expect(missingNameError('table "x"', 'x', [], 'w', undefined).message).toMatch(/; none exists there that this user can see$/);
  });
});
