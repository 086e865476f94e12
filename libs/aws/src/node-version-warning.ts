/**
 * The AWS SDK for JavaScript v3 prints a 9-line `NodeVersionSupportWarning` ("versions
 * published after the first week of January 2027 will require node >=22") through
 * `process.emitWarning` when its first client is built on Node < 22. This project supports
 * Node >= 20.19 (see README "Requirements"), so on Node 20 every command would open with that
 * banner; the entry points drop exactly this one warning. Every other warning (deprecations,
 * experimental features, a MaxListeners leak) is still emitted as Node would.
 *
 * The SDK's own switch, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true, would need the
 * environment set before the process starts; this filter works from inside the process.
 */

/** How the SDK's message starts (@aws-sdk/core, `emitWarningIfUnsupportedVersion`). */
export const SDK_NODE_VERSION_WARNING_PREFIX = 'NodeVersionSupportWarning: The AWS SDK for JavaScript (v3)';

/** Whether `warning` (the first argument of `process.emitWarning`) is the SDK's Node version notice. */
export function isSdkNodeVersionWarning(warning: unknown): boolean {
  const text = typeof warning === 'string' ? warning : warning instanceof Error ? warning.message : undefined;
  return text !== undefined && text.startsWith(SDK_NODE_VERSION_WARNING_PREFIX);
}

const installed = Symbol.for('rds-s3-export.ignoreSdkNodeVersionWarning');

/**
 * Wraps `target.emitWarning` so that the SDK's Node version notice is dropped and everything
 * else passes through unchanged. Idempotent. Call it before the first SDK client is built.
 */
export function ignoreSdkNodeVersionWarning(target: NodeJS.Process = process): void {
  const marked = target as NodeJS.Process & { [installed]?: true };
  if (marked[installed]) return;
  marked[installed] = true;
  const emitWarning = target.emitWarning;
  target.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]): void {
    if (isSdkNodeVersionWarning(warning)) return;
    (emitWarning as (...args: unknown[]) => void).call(this, warning, ...rest);
  } as NodeJS.Process['emitWarning'];
}
