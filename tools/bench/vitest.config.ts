import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'bench',
    // Unit tests of the harness's statistics and reporting only: the benchmark itself is
    // `npm run bench`, never part of `npm test` (no timed assertions in tests).
    include: ['src/**/*.spec.ts'],
  },
});
