import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { committedRun, failedRun, runsPage, stubFetch } from '../test-fixtures.js';
import { JobHistory } from './JobHistory.js';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const page1 = runsPage(
  [
    committedRun('employees_20260222_101500', { scheduledAt: '2026-02-22T10:15:00.000Z', rows: 10, bytes: 500, durationMs: 900 }),
    failedRun('employees_20260222_101000'),
    committedRun('employees_20260222_100500', { scheduledAt: '2026-02-22T10:05:00.000Z', rows: 3000, bytes: 2048, durationMs: 65_000, failedAttempts: 1 }),
  ],
  'employees_20260222_100500',
);
const page2 = runsPage([committedRun('employees_20260222_100000', { scheduledAt: '2026-02-22T10:00:00.000Z', rows: 0, bytes: 0, objects: [], cursor: null })]);

const runIdsInTable = () =>
  screen
    .getAllByRole('row')
    .slice(1)
    .map((row) => within(row).getAllByRole('link')[0]?.getAttribute('aria-label'));

describe('View: JobHistory', () => {
  it('lists runs with status, rows, size, duration and cursor range, sortable by column', async () => {
    stubFetch({ 'GET /api/jobs/employees/runs?limit=3': () => ({ status: 200, body: page1 }) });
    render(<JobHistory job="employees" pageSize={3} />);
    await screen.findByRole('table');
    expect(runIdsInTable()).toEqual(['Run employees_20260222_101500', 'Run employees_20260222_101000', 'Run employees_20260222_100500']);
    const rows = screen.getAllByRole('row');
    expect(within(rows[1]!).getByText('500 B')).toBeTruthy();
    expect(within(rows[1]!).getByText('900 ms')).toBeTruthy();
    expect(within(rows[1]!).getByText('start → 2026-02-22 10:14:30')).toBeTruthy();
    expect(within(rows[2]!).getByText('Failed')).toBeTruthy();
    expect(within(rows[2]!).getByText('DB_UNREACHABLE')).toBeTruthy();
    expect(within(rows[3]!).getByText('3,000')).toBeTruthy();
    expect(within(rows[3]!).getByText('2.0 KiB')).toBeTruthy();
    expect(within(rows[3]!).getByText('1 min 5 s')).toBeTruthy();
    expect(within(rows[3]!).getByText('after 1 failed')).toBeTruthy();

    const rowsHeader = screen.getByRole('columnheader', { name: /Rows/ });
    expect(rowsHeader.getAttribute('aria-sort')).toBe('none');
    await userEvent.click(within(rowsHeader).getByRole('button'));
    expect(rowsHeader.getAttribute('aria-sort')).toBe('descending');
    expect(runIdsInTable()).toEqual(['Run employees_20260222_100500', 'Run employees_20260222_101500', 'Run employees_20260222_101000']);
    await userEvent.click(within(rowsHeader).getByRole('button'));
    expect(rowsHeader.getAttribute('aria-sort')).toBe('ascending');
    expect(runIdsInTable()).toEqual(['Run employees_20260222_101000', 'Run employees_20260222_101500', 'Run employees_20260222_100500']);
  });

  it('pages to older runs with the cursor and back', async () => {
    const fetchMock = stubFetch({
      'GET /api/jobs/employees/runs?limit=3': () => ({ status: 200, body: page1 }),
      'GET /api/jobs/employees/runs?limit=3&cursor=employees_20260222_100500': () => ({ status: 200, body: page2 }),
    });
    render(<JobHistory job="employees" pageSize={3} />);
    await screen.findByRole('table');
    expect((screen.getByRole('button', { name: '← Newer' }) as HTMLButtonElement).disabled).toBe(true);
    await userEvent.click(screen.getByRole('button', { name: 'Older →' }));
    await screen.findByText('Page 2');
    await screen.findByRole('link', { name: 'Run employees_20260222_100000' });
    expect(screen.getByText('full export')).toBeTruthy();
    expect(screen.getByText('no rows')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Older →' }) as HTMLButtonElement).disabled).toBe(true);
    await userEvent.click(screen.getByRole('button', { name: '← Newer' }));
    await screen.findByRole('link', { name: 'Run employees_20260222_101500' });
    expect(fetchMock.mock.calls.map((call) => String(call[0]))).toContain('/api/jobs/employees/runs?limit=3&cursor=employees_20260222_100500');
  });

  it('follows a continuation cursor through a page the API cut short without runs', async () => {
    // The API stops a page at its S3 LIST budget: no runs in the months it searched, but a cursor to go on.
    stubFetch({
      'GET /api/jobs/employees/runs?limit=3': () => ({ status: 200, body: runsPage([], 'employees_20240101_000000') }),
      'GET /api/jobs/employees/runs?limit=3&cursor=employees_20240101_000000': () => ({ status: 200, body: page2 }),
    });
    render(<JobHistory job="employees" pageSize={3} />);
    await screen.findByText(/No runs in this stretch of history; older runs may exist/);
    expect(screen.queryByText('This job has not run yet. Runs appear here as soon as they commit or fail.')).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Older →' }));
    await screen.findByRole('link', { name: 'Run employees_20260222_100000' });
    expect((screen.getByRole('button', { name: 'Older →' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('downloads a run\'s CSV through a presigned URL from the API', async () => {
    const url = 'http://127.0.0.1:4569/rds-exports-local/rds_exports/employees/dt=2026-02-22/employees_20260222_101500.csv?X-Amz-Signature=abc';
    const fetchMock = stubFetch({
      'GET /api/jobs/employees/runs?limit=3': () => ({ status: 200, body: page1 }),
      'POST /api/runs/employees_20260222_101500/download': () => ({
        status: 200,
        body: { url, key: 'rds_exports/employees/dt=2026-02-22/employees_20260222_101500.csv', filename: 'employees_20260222_101500.csv', expiresAt: '2026-02-22T10:27:00.000Z' },
      }),
    });
    const clicked: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.href);
    });
    render(<JobHistory job="employees" pageSize={3} />);
    await screen.findByRole('table');
    await userEvent.click(screen.getByRole('button', { name: 'Download CSV: employees_20260222_101500.csv' }));
    await vi.waitFor(() => expect(clicked).toEqual([url]));
    const post = fetchMock.mock.calls.find((call) => call[1]?.method === 'POST');
    expect(JSON.parse(String(post?.[1]?.body))).toEqual({ key: 'rds_exports/employees/dt=2026-02-22/employees_20260222_101500.csv' });
  });

  it('shows a refused download next to its button', async () => {
    stubFetch({
      'GET /api/jobs/employees/runs?limit=3': () => ({ status: 200, body: page1 }),
      'POST /api/runs/employees_20260222_101500/download': () => ({ status: 404, body: { error: { code: 'OBJECT_NOT_IN_MANIFEST', message: 'not an object of this run' } } }),
    });
    render(<JobHistory job="employees" pageSize={3} />);
    await screen.findByRole('table');
    await userEvent.click(screen.getByRole('button', { name: 'Download CSV: employees_20260222_101500.csv' }));
    expect((await screen.findByRole('alert')).textContent).toBe('not an object of this run');
  });

  it('has an empty state for a job that never ran', async () => {
    stubFetch({ 'GET /api/jobs/employees/runs?limit=20': () => ({ status: 200, body: runsPage([]) }) });
    render(<JobHistory job="employees" />);
    expect(await screen.findByText(/This job has not run yet/)).toBeTruthy();
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('shows the error of an unknown job, with the way back instead of "Try again" (a 404 stays a 404)', async () => {
    stubFetch({ 'GET /api/jobs/nope/runs?limit=20': () => ({ status: 404, body: { error: { code: 'JOB_NOT_FOUND', message: 'no job named "nope"' } } }) });
    render(<JobHistory job="nope" />);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('no job named "nope" (JOB_NOT_FOUND)');
    expect(within(alert).queryByRole('button', { name: 'Try again' })).toBeNull();
    expect(within(alert).getByRole('link', { name: 'Back to the jobs' }).getAttribute('href')).toBe('#/');
    // Nor a Refresh or a pager, which could not help either.
    expect(screen.queryByRole('button', { name: 'Refresh' })).toBeNull();
    expect(screen.queryByRole('button', { name: /Older|Newer/ })).toBeNull();
  });

  it('still offers "Try again" for a passing failure (502)', async () => {
    stubFetch({ 'GET /api/jobs/employees/runs?limit=20': () => ({ status: 502, body: { error: { code: 'S3_UNREACHABLE', message: 'the export store could not be read' } } }) });
    render(<JobHistory job="employees" />);
    expect(within(await screen.findByRole('alert')).getByRole('button', { name: 'Try again' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Refresh' })).toBeTruthy();
  });

  it('shows the slot and when the run started: a late backfill is visibly late', async () => {
    const backfill = { ...failedRun('employees_20260222_175000'), scheduledAt: '2026-02-22T17:50:00.000Z', startedAt: '2026-02-22T18:25:59.000Z', finishedAt: '2026-02-22T18:26:00.000Z' };
    stubFetch({ 'GET /api/jobs/employees/runs?limit=20': () => ({ status: 200, body: runsPage([backfill]) }) });
    render(<JobHistory job="employees" />);
    await screen.findByRole('table');
    expect(screen.getAllByRole('columnheader').map((th) => th.textContent?.replace(/[▲▼↕]/g, '').trim())).toEqual(['Slot', 'Started', 'Status', 'Rows', 'Size', 'Duration', 'Cursor range', 'Actions']);
    const row = screen.getAllByRole('row')[1]!;
    expect(row.querySelector('td[data-label="Slot"] time')?.getAttribute('datetime')).toBe('2026-02-22T17:50:00.000Z');
    expect(row.querySelector('td[data-label="Started"] time')?.getAttribute('datetime')).toBe('2026-02-22T18:25:59.000Z');
    expect(row.querySelector('td[data-label="Started"] time')?.getAttribute('title')).toBe('2026-02-22 18:25:59 UTC');
  });

  it('says a failed run committed no cursor range (not "full export") and shows cursor timestamps readably', async () => {
    const failedIncremental = { ...failedRun('employees_20260222_101000'), cursor: null };
    const committed = committedRun('employees_20260222_101500', { cursor: { from: { value: '2026-01-08 01:25:39.062093+00', key: '9000' }, to: { value: '2026-01-08 03:00:00+02', key: '10000' } } });
    stubFetch({ 'GET /api/jobs/employees/runs?limit=20': () => ({ status: 200, body: runsPage([committed, failedIncremental]) }) });
    render(<JobHistory job="employees" />);
    await screen.findByRole('table');
    const [, first, second] = screen.getAllByRole('row');
    const range = within(first!).getByText('2026-01-08 01:25:39.062093 UTC → 2026-01-08 01:00:00 UTC');
    // The raw values and keys stay available on hover.
    expect(range.getAttribute('title')).toBe('from (2026-01-08 01:25:39.062093+00, 9000] to (2026-01-08 03:00:00+02, 10000)');
    expect(within(second!).getByText('none (nothing committed)')).toBeTruthy();
    expect(within(second!).queryByText('full export')).toBeNull();
  });

  it('keeps the status cell one grid item in the narrow layout (the badge does not stretch)', async () => {
    stubFetch({ 'GET /api/jobs/employees/runs?limit=3': () => ({ status: 200, body: page1 }) });
    render(<JobHistory job="employees" pageSize={3} />);
    await screen.findByRole('table');
    const cell = screen.getAllByRole('row')[2]!.querySelector('td[data-label="Status"]')!;
    expect(cell.children).toHaveLength(1);
    expect(cell.firstElementChild?.className).toBe('status-cell');
    expect(within(cell as HTMLElement).getByText('Failed').className).toBe('badge badge-failed');
  });
});
