import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'demo',
    include: ['src/**/*.spec.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Each e2e file starts the demo's servers; one at a time on the machine's two cores.
    fileParallelism: false,
  },
});
