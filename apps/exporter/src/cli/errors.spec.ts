import { describe, expect, it } from 'vitest';
import { RdsExportError } from '@rds-s3-export/shared-types';
import { ExportRunError } from '@rds-s3-export/export-core';
import { exitCodeFor } from './errors.js';

describe('Function: exitCodeFor', () => {
  it('gives every error class its documented exit code', () => {
    const codes = (['config', 'auth', 'network', 'database', 'storage', 'timeout', 'internal'] as const).map((c) => exitCodeFor(new RdsExportError(c, 'X', 'x')));
    expect(codes).toEqual([2, 3, 4, 5, 6, 7, 1]);
  });

  it('exits 1, not 6 (storage), for an unforeseen error inside a run', () => {
    const failure = new ExportRunError('export of job "t"', new TypeError("Cannot read properties of undefined (reading 'x')"));
    expect({ errorClass: failure.errorClass, code: failure.code, exit: exitCodeFor(failure) }).toEqual({ errorClass: 'internal', code: 'INTERNAL_ERROR', exit: 1 });
    expect(exitCodeFor(new Error('plain'))).toBe(1);
  });
});
