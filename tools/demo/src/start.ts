/**
 * `npm start`: the exporter demo (embedded S3, DynamoDB, PostgreSQL and the scheduled sample
 * job) and the dashboard (API + built UI on http://127.0.0.1:4580/) side by side.
 *
 * Apps may not import each other, so each runs as its own child process, started from its
 * entry file; this launcher builds the dashboard when its sources are newer than the build,
 * prints the URL, forwards Ctrl+C / SIGTERM once to both and exits when they have stopped.
 * `--once`: only the exporter demo, which exits after its first run; the dashboard is not started
 * (its URL would be dead a moment later).
 *
 * Ports (environment; 0 = any free port): DEMO_S3_PORT (4569), DEMO_DYNAMO_PORT (4570),
 * DEMO_PG_PORT (55432), DASHBOARD_PORT (4580); DEMO_DIR (.local-stack). Every port is checked
 * before anything starts: a taken one is one line naming its variable, and exit code 1.
 *
 * Both run on the demo's own deployment config (tools/demo/rds-s3-export.demo.yaml, the sample
 * `employees` job), whatever RDS_S3_EXPORT_CONFIG says in the shell: the demo is the sample.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDeploymentConfig } from '@rds-s3-export/jobs';
import { LOCAL_PORT_VARIABLES, localPorts } from '@rds-s3-export/export-runtime';
import { DEMO_CONFIG_FILE } from './demo-config.js';
import { freePort, PortInUseError, portIsFree, type PortSetting } from './ports.js';

const root = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const once = process.argv.includes('--once');
const dashboardDir = join(root, 'apps', 'dashboard');
const staticDir = join(root, 'dist', 'apps', 'dashboard');
const DASHBOARD_PORT: PortSetting = { variable: 'DASHBOARD_PORT', what: 'dashboard' };

/** The ports this run opens, each with its variable; a value that is not a port ends the launcher with one line. */
function portsToOpen(): [PortSetting, number][] {
  const ports = localPorts(process.env);
  const demoUrl = loadDeploymentConfig({ path: DEMO_CONFIG_FILE }).job('employees').connection.url ?? '';
  const list: [PortSetting, number][] = [
    [LOCAL_PORT_VARIABLES.s3Port, ports.s3Port],
    [LOCAL_PORT_VARIABLES.dynamoPort, ports.dynamoPort],
    [LOCAL_PORT_VARIABLES.pgPort, ports.pgPort ?? Number(new URL(demoUrl).port)],
  ];
  if (!once) {
    const text = process.env.DASHBOARD_PORT?.trim() || '4580';
    if (!/^\d+$/.test(text) || Number(text) > 65_535) throw new Error(`DASHBOARD_PORT="${text}" is not a TCP port (0-65535)`);
    list.push([DASHBOARD_PORT, Number(text)]);
  }
  return list;
}

/** Newest modification time under `path` (files only), 0 if it does not exist. */
function newest(path: string): number {
  let info;
  try {
    info = statSync(path);
  } catch {
    return 0;
  }
  if (!info.isDirectory()) return info.mtimeMs;
  return readdirSync(path).reduce((latest, name) => (name === 'node_modules' ? latest : Math.max(latest, newest(join(path, name)))), 0);
}

function buildDashboardIfNeeded(): void {
  const built = newest(join(staticDir, 'index.html'));
  const sources = Math.max(
    newest(join(dashboardDir, 'src')),
    newest(join(dashboardDir, 'index.html')),
    newest(join(dashboardDir, 'vite.config.ts')),
    newest(join(root, 'libs', 'shared-types', 'src')),
  );
  if (built >= sources) return;
  process.stdout.write('building the dashboard (vite build)…\n');
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: dashboardDir, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('the dashboard build failed (see above)');
}

/** The ports both children use, each as its variable (a 0 resolved to one free port, so the dashboard finds the demo's S3). */
const resolvedPorts: Record<string, string> = {};

/** A TypeScript entry point run with tsx, in its own process group so Ctrl+C reaches it once, through us. */
function run(entry: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(root, entry), ...args], {
    cwd: root,
    env: { ...process.env, ...resolvedPorts, RDS_S3_EXPORT_CONFIG: DEMO_CONFIG_FILE },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
}

const banner = (url: string) => `\ndashboard: ${url}  (run history, logs and CSV downloads; the API is under /api)\n`;

let port = 4580;
try {
  const ports = portsToOpen();
  const taken = [];
  for (const [setting, value] of ports) if (!(await portIsFree(value))) taken.push(new PortInUseError(setting, value));
  for (const entry of ports) {
    if (entry[1] === 0) entry[1] = await freePort();
    resolvedPorts[entry[0].variable] = String(entry[1]);
  }
  if (taken.length > 0) {
    for (const error of taken) process.stderr.write(`npm start: ${error.message}\n`);
    process.exit(1);
  }
  port = ports.find(([setting]) => setting === DASHBOARD_PORT)?.[1] ?? port;
  if (!once) buildDashboardIfNeeded();
} catch (error) {
  process.stderr.write(`npm start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

const children: ChildProcess[] = [];
const exporter = run('tools/demo/src/start-demo.ts', once ? ['--once'] : []);
children.push(exporter);
// --once: the exporter exits after its first run, so a dashboard (and its URL) would die with it.
const dashboard = once ? undefined : run('apps/dashboard-api/src/local/serve.ts', []);
if (dashboard) children.push(dashboard);

let dashboardUrl: string | undefined;
let exporterReady = false;
dashboard?.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
  const match = /dashboard: (\S+)/.exec(chunk);
  if (match && !dashboardUrl) {
    dashboardUrl = match[1];
    // Printed again after the exporter's first run, where a newcomer's eyes are.
    if (exporterReady) process.stdout.write(banner(dashboardUrl ?? ''));
  } else if (!match) {
    process.stdout.write(chunk);
  }
});
exporter.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
  process.stdout.write(chunk);
  if (!exporterReady && /now runs every|Look at it:/.test(chunk)) {
    exporterReady = true;
    if (dashboardUrl) process.stdout.write(banner(dashboardUrl));
  }
});

let stopping = false;
function stopAll(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    }
  }
}
process.once('SIGINT', () => stopAll('SIGINT'));
process.once('SIGTERM', () => stopAll('SIGTERM'));
// If this process dies anyway, do not leave the servers behind.
process.once('exit', () => stopAll('SIGTERM'));

let exitCode = 0;
const exited = children.map(
  (child) =>
    new Promise<void>((done) =>
      child.once('exit', (code, signal) => {
        if (child === exporter) {
          exitCode = code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1);
          // The exporter is the demo: when it ends (--once, a failed first run), so does the dashboard.
          stopAll('SIGTERM');
        } else if (!stopping) {
          process.stderr.write(`npm start: the dashboard server stopped (exit ${code ?? signal}); is port ${port} in use?\n`);
          exitCode = exitCode || 1;
          stopAll('SIGTERM');
        }
        done();
      }),
    ),
);
await Promise.all(exited);
process.exit(exitCode);
