import { describe, expect, it } from 'vitest';
import { assertQueryPrivileges, preflightPrivileges } from './privilege-policy.js';

describe('Function: assertQueryPrivileges', () => {
  it('refuses a custom query for a user with findings, naming them, the docs and the way out', () => {
    expect(() => assertQueryPrivileges(['FILE on *.*'], { query: 'SELECT 1' }, 'exporter')).toThrow(
      expect.objectContaining({
        errorClass: 'config',
        code: 'PRIVILEGED_QUERY_USER',
        message: expect.stringMatching(/user "exporter" holds FILE on \*\.\*\..*README\.md#least-privilege-database-user.*"allowPrivilegedQuery": true.*--allow-privileged-query/s),
      }),
    );
  });

  it('shows five findings and counts the rest', () => {
    const findings = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    expect(() => assertQueryPrivileges(findings, { query: 'SELECT 1' }, 'u')).toThrow('holds a; b; c; d; e; and 2 more.');
  });

  it.each([
    [{ query: 'SELECT 1', allowPrivilegedQuery: true }, ['FILE on *.*']],
    [{ query: 'SELECT 1' }, []],
    [{}, ['superuser (rolsuper)']],
  ])('lets %j with findings %j through', (request, findings) => {
    expect(() => assertQueryPrivileges(findings, request, 'u')).not.toThrow();
  });
});

describe('Function: preflightPrivileges', () => {
  it('ignores a failed read for a table export, and propagates it for a custom query', async () => {
    const failing = () => Promise.reject(new Error('catalog unreadable'));
    await expect(preflightPrivileges(failing, {}, 'u')).resolves.toEqual([]);
    await expect(preflightPrivileges(failing, { query: 'SELECT 1' }, 'u')).rejects.toThrow('catalog unreadable');
  });

  it('returns the findings of an allowed query, for the run to log', async () => {
    await expect(preflightPrivileges(async () => ['FILE on *.*'], { query: 'SELECT 1', allowPrivilegedQuery: true }, 'u')).resolves.toEqual(['FILE on *.*']);
  });
});
