import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'bench',
    // Unit tests of the harness's statistics and reporting, and the Parquet writers' type matrix
    // read back by DuckDB (src/parquet): the benchmarks themselves are `npm run bench` and
    // `npm run bench:parquet`, never part of `npm test` (no timed assertions in tests).
    include: ['src/**/*.spec.ts'],
  },
});
