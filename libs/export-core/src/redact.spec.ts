import { describe, expect, it } from 'vitest';
import { redactSecrets } from './redact.js';

describe('Function: redactSecrets', () => {
  it('replaces every occurrence of a secret', () => {
    // Act
    const out = redactSecrets('auth failed for hunter22 (password hunter22)', ['hunter22']);

    // Assess
    expect(out).toBe('auth failed for *** (password ***)');
  });

  it('replaces the URL-encoded form of a secret too', () => {
    // Prepare
    const secret = 'p@ss/w rd:1';
    const text = `connect postgres://app:${encodeURIComponent(secret)}@h/db failed; raw ${secret}`;

    // Act
    const out = redactSecrets(text, [secret]);

    // Assess
    expect(encodeURIComponent(secret)).toBe('p%40ss%2Fw%20rd%3A1');
    expect(out).toBe('connect postgres://app:***@h/db failed; raw ***');
  });

  it('replaces several secrets, including regex metacharacters literally', () => {
    // Act
    const out = redactSecrets('a.b*c+ and (x|y)? and a.b*c+', ['a.b*c+', '(x|y)?']);

    // Assess
    expect(out).toBe('*** and *** and ***');
  });

  it.each([[''], ['a'], ['ab'], ['abc']])('ignores the short secret %j so ordinary words stay readable', (secret) => {
    expect(redactSecrets('a backup at abc', [secret])).toBe('a backup at abc');
  });

  it('redacts a secret of exactly four characters', () => {
    expect(redactSecrets('pw=abcd', ['abcd'])).toBe('pw=***');
  });

  it('returns the text unchanged when there are no secrets or no occurrences', () => {
    expect(redactSecrets('nothing to hide', [])).toBe('nothing to hide');
    expect(redactSecrets('nothing to hide', ['s3cr3t'])).toBe('nothing to hide');
  });
});

describe('Function: redactSecrets (URL form)', () => {
  it('also hides the form the URL parser writes a password in', () => {
    const secret = 'p@ss+word';
    const url = new URL('postgres://u@h/db');
    url.password = secret;
    expect(redactSecrets(`failed for ${url.toString()}`, [secret])).toBe('failed for postgres://u:***@h/db');
  });
});
