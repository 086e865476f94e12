import { describe, expect, it } from 'vitest';
import { columnKind } from './postgres-columns.js';

describe('Function: columnKind', () => {
  it('takes built-in types by OID, whatever the category says', () => {
    expect(columnKind(20, { typtype: 'b', category: 'N' })).toBe('number');
    expect(columnKind(1043)).toBe('text');
    expect(columnKind(1184, { category: 'D' })).toBe('temporal');
  });

  it('makes enums, string-category types (citext, domains over text) and extension base types text, so the formula guard applies', () => {
    expect(columnKind(90_001, { typtype: 'e', category: 'E' })).toBe('text');
    expect(columnKind(90_002, { typtype: 'b', category: 'S' })).toBe('text');
    expect(columnKind(90_003, { typtype: 'b', category: 'U' })).toBe('text');
  });

  it('leaves arrays, composites, ranges and unknown types as other', () => {
    expect(columnKind(90_004, { typtype: 'b', category: 'A' })).toBe('other');
    expect(columnKind(90_005, { typtype: 'c', category: 'C' })).toBe('other');
    expect(columnKind(90_006, { typtype: 'r', category: 'R' })).toBe('other');
    expect(columnKind(90_007)).toBe('other');
  });
});
