import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'reliability',
    include: ['src/**/*.spec.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The reliability suites (soak, timeouts, kills) are about timing under load: run the files
    // one after another so they do not compete with each other for the machine's two cores.
    fileParallelism: false,
  },
});
