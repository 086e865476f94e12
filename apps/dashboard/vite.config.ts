import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Paths are relative to this folder: nx runs `vite build` / `vitest run` with it as cwd.
export default defineConfig({
  plugins: [react()],
  // Relative asset URLs: the build works from any path it is served at.
  base: './',
  build: { outDir: '../../dist/apps/dashboard', emptyOutDir: true, sourcemap: true },
  // `nx run dashboard:serve` next to `npm start`: the API is the local server's.
  server: { host: '127.0.0.1', proxy: { '/api': 'http://127.0.0.1:4580' } },
  test: {
    name: 'dashboard',
    environment: 'happy-dom',
    include: ['src/**/*.spec.{ts,tsx}'],
    setupFiles: ['./src/test-setup.ts'],
  },
});
