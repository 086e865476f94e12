/**
 * What `--version` prints: the exporter version every manifest records (`exporterVersion`,
 * export-core's EXPORTER_VERSION), so the command and its output name the same version.
 * apps/exporter/package.json carries the same number (built-cli.e2e.spec.ts holds them equal).
 */
import { EXPORTER_VERSION } from '@rds-s3-export/export-core';

export const VERSION_LINE = `rds-s3-export ${EXPORTER_VERSION}`;
