/**
 * Starts `child-run.ts` in a child process and kills it with SIGKILL once its export is
 * streaming: a real crash (no finally blocks, no abort, no lease release).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildRunInput } from './child-run.js';

const RUNNER = fileURLToPath(new URL('./child-run.ts', import.meta.url));

export interface KilledRun {
  /** True if the child reached the data phase and was killed there. */
  readonly killed: boolean;
  readonly output: string;
}

/** Runs the child; when it prints STREAMING, waits `afterMs` and sends SIGKILL. */
export function runAndKill(input: ChildRunInput, { afterMs = 50, timeoutMs = 60_000 } = {}): Promise<KilledRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', RUNNER, JSON.stringify(input)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let killed = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child-run did not reach the data phase in ${timeoutMs} ms: ${output}`));
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (!killed && output.includes('STREAMING')) {
        killed = true;
        setTimeout(() => child.kill('SIGKILL'), afterMs);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve({ killed: killed && signal === 'SIGKILL', output });
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
