import type { JobConfigInput } from '@rds-s3-export/shared-types';

/**
 * The sample job: the seed's `employees` export. Locally it reads the embedded PGlite
 * database that `npm start` serves (tools/local-stack); in AWS, the RDS-managed secret.
 */
export const employees: JobConfigInput = {
  name: 'employees',
  engine: 'postgres',
  connection: {
    secret: 'rds-s3-export/employees',
    url: 'postgres://postgres@127.0.0.1:55432/postgres',
  },
  table: 'employees',
  // Declared so the export has a stable header and Athena gets a table for it.
  columns: ['id', 'first_name', 'last_name', 'email', 'department', 'salary', 'hired_on', 'updated_at', 'active', 'notes'],
  primaryKey: ['id'],
  incremental: { cursorColumn: 'updated_at', keyColumn: 'id', lagSeconds: 30 },
  schedule: { expression: 'rate(5 minutes)', timeZone: 'UTC' },
  destination: { bucket: 'rds-exports-local', prefix: 'rds_exports', layout: 'hive', compression: 'none' },
};
