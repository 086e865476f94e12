/**
 * The AWS SDK's Node version banner is dropped, nothing else is: each case runs a fresh Node
 * process (the SDK emits its banner once per process) and asserts on its real stderr.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isSdkNodeVersionWarning, SDK_NODE_VERSION_WARNING_PREFIX } from './node-version-warning.js';

/**
 * `emitWarningIfUnsupportedVersion` is the SDK's own emitter (what every client's runtime config
 * calls): given an old version it prints the banner whatever Node runs the test.
 */
function stderrOf(filterFirst: boolean): string {
  const script = [
    filterFirst ? "await import('@rds-s3-export/aws/ignore-node-version-warning');" : '',
    "const { emitWarningIfUnsupportedVersion } = await import('@aws-sdk/core/client');",
    "process.emitWarning('another warning, kept', 'DeprecationWarning', 'DEP0999');",
    "emitWarningIfUnsupportedVersion('v20.19.0');",
    "process.emitWarning(new Error('an Error warning, kept'));",
  ].join('\n');
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: import.meta.dirname, encoding: 'utf8', env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: '' } });
  expect(result.status).toBe(0);
  return result.stderr;
}

describe('Function: ignoreSdkNodeVersionWarning', () => {
  it('without the filter, the SDK prints its banner (what the filter is for)', () => {
    const stderr = stderrOf(false);
    expect(stderr).toContain('NodeVersionSupportWarning: The AWS SDK for JavaScript (v3)');
    expect(stderr).toContain('will require node >=22');
  });

  it('drops exactly the banner; other warnings, strings and Errors, still print', () => {
    const stderr = stderrOf(true);
    expect(stderr).not.toContain('NodeVersionSupportWarning');
    expect(stderr).not.toContain('require node >=');
    expect(stderr).toContain('[DEP0999] DeprecationWarning: another warning, kept');
    expect(stderr).toContain('Error: an Error warning, kept');
  });

  it('recognises the banner by its opening words only', () => {
    expect(isSdkNodeVersionWarning(`${SDK_NODE_VERSION_WARNING_PREFIX}\nversions published after …`)).toBe(true);
    expect(isSdkNodeVersionWarning(new Error(`${SDK_NODE_VERSION_WARNING_PREFIX} …`))).toBe(true);
    expect(isSdkNodeVersionWarning('NodeVersionSupportWarning: some other library')).toBe(false);
    expect(isSdkNodeVersionWarning(`prefix ${SDK_NODE_VERSION_WARNING_PREFIX}`)).toBe(false);
    expect(isSdkNodeVersionWarning(undefined)).toBe(false);
  });
});
