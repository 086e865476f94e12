import { describe, expect, it } from 'vitest';
import { ExportRunError, SinkError } from './errors.js';

describe('Class: ExportRunError', () => {
  it('classifies an error no adapter foresaw as internal, not storage', () => {
    const error = new ExportRunError('export of job "t"', new TypeError('x is not a function'));
    expect({ errorClass: error.errorClass, code: error.code, message: error.message }).toEqual({
      errorClass: 'internal',
      code: 'INTERNAL_ERROR',
      message: 'export of job "t": x is not a function',
    });
  });

  it('keeps the class and code of an already classified error', () => {
    const error = new ExportRunError('export of job "t"', new SinkError('storage', 'FILE_WRITE_FAILED', 'disk full'));
    expect([error.errorClass, error.code]).toEqual(['storage', 'FILE_WRITE_FAILED']);
  });

  it('reports an aborted run as a timeout', () => {
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    expect([new ExportRunError('c', abort).errorClass, new ExportRunError('c', abort).code]).toEqual(['timeout', 'EXPORT_ABORTED']);
  });
});
