import { describe, expect, it } from 'vitest';
import { redactUrl } from './redact-url.js';

describe('Function: redactUrl', () => {
  it.each([
    ['postgres://app:s3cr3t@h:5432/db', 'postgres://app:***@h:5432/db'],
    ['mysql://app:p%40ss%2Fword@h/db', 'mysql://app:***@h/db'],
    ['  mariadb://app:s3cr3t@h/db  ', 'mariadb://app:***@h/db'],
    ['postgres://app@h/db', 'postgres://app@h/db'],
    ['postgres://h/db', 'postgres://h/db'],
    ['not a url s3cr3t', '(unparseable URL)'],
  ])('redacts %j to %j', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});
