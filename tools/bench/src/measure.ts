/**
 * Runs one benchmark child and measures it from outside: peak RSS from /proc/<pid>/status
 * VmHWM (a kernel high-water mark, so sampling loses nothing but the last few milliseconds)
 * and, for the servers the child talks to, their CPU from /proc/<pid>/stat. The child's own
 * CPU time comes from the child itself (a preloaded module writes process.resourceUsage() at
 * exit), because /proc/<pid> is gone by the time the parent sees the exit.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';

export interface ChildRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallSeconds: number;
  readonly peakRssBytes: number;
  /** From the child's exit hook: user+system seconds and ru_maxrss; null if the hook did not run. */
  readonly usage: { cpuSeconds: number; maxRssBytes: number } | null;
}

const SAMPLE_MS = 20;

/**
 * Spawns `node [nodeArgs] script [args]` with the usage reporter preloaded, or, with `command`,
 * that executable with `args` (`script` and `nodeArgs` unused): a Node script run through its
 * shebang gets the reporter through NODE_OPTIONS (`reporterViaNodeOptions`), anything else
 * (psql) is measured from this process's reaped-children CPU (/proc/self/stat cutime+cstime,
 * which grows by exactly the child's CPU when it is reaped: runs are sequential, and s3rver,
 * the only other child, is reaped only at the end).
 */
export function runChild(options: {
  nodeArgs?: readonly string[];
  script?: string;
  command?: string;
  reporterViaNodeOptions?: boolean;
  args: readonly string[];
  usageReporter: string;
  usageFile: string;
  env?: NodeJS.ProcessEnv;
}): Promise<ChildRun> {
  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env), BENCH_USAGE_FILE: options.usageFile };
  if (options.command && options.reporterViaNodeOptions) env.NODE_OPTIONS = `--import ${options.usageReporter}`;
  const file = options.command ?? process.execPath;
  const argv = options.command ? [...options.args] : ['--import', options.usageReporter, ...(options.nodeArgs ?? []), options.script ?? '', ...options.args];
  const childrenCpu0 = reapedChildrenCpuSeconds();
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(file, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const sample = () => {
      const kb = readStatusKb(child.pid, 'VmHWM');
      if (kb !== null) peak = Math.max(peak, kb * 1024);
    };
    const timer = setInterval(sample, SAMPLE_MS);
    child.on('error', (error) => {
      clearInterval(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      const reaped = reapedChildrenCpuSeconds() - childrenCpu0;
      void readUsage(options.usageFile).then((reported) => {
        const usage = reported ?? (options.command && !options.reporterViaNodeOptions ? { cpuSeconds: reaped, maxRssBytes: 0 } : null);
        resolve({ code, signal, stdout, stderr, wallSeconds, peakRssBytes: Math.max(peak, usage?.maxRssBytes ?? 0), usage });
      });
    });
  });
}

async function readUsage(file: string): Promise<ChildRun['usage']> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { userMicros: number; systemMicros: number; maxRssKb: number };
    return { cpuSeconds: (parsed.userMicros + parsed.systemMicros) / 1e6, maxRssBytes: parsed.maxRssKb * 1024 };
  } catch {
    return null;
  } finally {
    await rm(file, { force: true });
  }
}

/** A numeric `Key:  N kB` line of /proc/<pid>/status, or null when the process is gone. */
export function readStatusKb(pid: number | undefined, key: string): number | null {
  if (pid === undefined) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

const TICKS_PER_SECOND = 100; // USER_HZ; Linux reports /proc times in these on every mainstream platform.

/**
 * CPU seconds of a process from /proc/<pid>/stat: utime + stime, plus cutime + cstime (its
 * reaped children) when asked (the PostgreSQL postmaster reaps one backend per connection).
 */
export function processCpuSeconds(pid: number, withReapedChildren = false): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may contain spaces).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
    const at = (field: number) => Number(fields[field - 3]);
    const ticks = at(14) + at(15) + (withReapedChildren ? at(16) + at(17) : 0);
    return ticks / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** CPU seconds of this process's reaped children (cutime + cstime of /proc/self/stat). */
export function reapedChildrenCpuSeconds(): number {
  return (processCpuSeconds(process.pid, true) ?? 0) - (processCpuSeconds(process.pid, false) ?? 0);
}

/** Pids of processes named `name` (/proc/<pid>/comm) whose parent has another name: the server's main process. */
export function findServerPid(names: readonly string[]): number | null {
  const comm = (pid: string) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      return '';
    }
  };
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    const name = comm(pid);
    if (!names.includes(name)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? '';
      if (!names.includes(comm(ppid))) return Number(pid);
    } catch {
      // raced with an exiting process
    }
  }
  return null;
}

/**
 * CPU seconds the whole machine spent busy so far (all cores; /proc/stat user, nice, system,
 * irq, softirq, steal). The part of a run's machine-wide CPU that neither the child nor the
 * servers it talks to account for is someone else's work: the harness flags such samples as
 * noisy and repeats them.
 */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / TICKS_PER_SECOND;
}
