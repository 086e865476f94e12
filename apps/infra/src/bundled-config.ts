import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BUNDLED_CONFIG_FILE } from '@rds-s3-export/jobs';
import type { DeploymentConfig } from '@rds-s3-export/shared-types';

/**
 * A copy of a Lambda bundle folder with the validated deployment config written next to the
 * handler (`deployment-config.json`), so the config travels with the function's code: the
 * asset hash, and so the deployed function, changes with the config, and a run never fetches
 * it from anywhere. The handler parses and resolves it again (with the stack's bucket).
 */
export function bundleWithConfig(bundleDir: string, config: DeploymentConfig): string {
  const staged = mkdtempSync(path.join(tmpdir(), 'rds-s3-export-asset-'));
  cpSync(bundleDir, staged, { recursive: true });
  writeFileSync(path.join(staged, BUNDLED_CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
  return staged;
}
