/**
 * `npm run config-schema`: regenerates the committed JSON Schema of the deployment config file
 * (rds-s3-export.schema.json at the repository root) from the zod schema. A test fails while the
 * committed file differs from what this writes.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEPLOYMENT_CONFIG_SCHEMA_FILE, deploymentConfigJsonSchema } from './deployment-config.js';

export const schemaFileText = (): string => `${JSON.stringify(deploymentConfigJsonSchema(), null, 2)}\n`;
export const schemaFilePath = (): string => fileURLToPath(new URL(`../../../${DEPLOYMENT_CONFIG_SCHEMA_FILE}`, import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(schemaFilePath(), schemaFileText());
  process.stdout.write(`wrote ${schemaFilePath()}\n`);
}
