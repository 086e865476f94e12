import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'infra',
    include: ['src/**/*.spec.ts'],
    // Synthesizing a stack and running cdk-nag over it takes seconds, not milliseconds.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
