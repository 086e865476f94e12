import { describe, expect, it } from 'vitest';
import { median, rotation, summarize } from './stats.js';

describe('Function: median', () => {
  it('takes the middle value of an odd count, whatever the input order', () => {
    expect(median([5, 1, 3])).toBe(3);
  });

  it('averages the two middle values of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it('refuses an empty list', () => {
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('Function: summarize', () => {
  it('reports median, min, max and the relative spread', () => {
    expect(summarize([2, 2.5, 3, 2.2, 2.4])).toEqual({ n: 5, median: 2.4, min: 2, max: 3, spread: (3 - 2) / 2.4 });
  });

  it('gives a single sample no spread', () => {
    expect(summarize([7])).toEqual({ n: 1, median: 7, min: 7, max: 7, spread: 0 });
  });
});

describe('Function: rotation', () => {
  it('rotates by the repetition number, so each variant runs in every position', () => {
    const items = ['a', 'b', 'c'];
    expect([0, 1, 2, 3].map((rep) => rotation(items, rep).join(''))).toEqual(['abc', 'bca', 'cab', 'abc']);
  });

  it('handles an empty list', () => {
    expect(rotation([], 3)).toEqual([]);
  });
});
