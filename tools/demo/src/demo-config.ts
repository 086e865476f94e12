import { fileURLToPath } from 'node:url';

/**
 * The demo's own deployment config (the sample `employees` job on the embedded PostgreSQL):
 * `npm start` runs on it, and tests that need the sample read it. A deployment never gets it by
 * default: its config is rds-s3-export.yaml (see rds-s3-export.example.yaml).
 */
export const DEMO_CONFIG_FILE = fileURLToPath(new URL('../rds-s3-export.demo.yaml', import.meta.url));
