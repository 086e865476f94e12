import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runDetail, stubFetch } from '../test-fixtures.js';
import { RunDetail } from './RunDetail.js';

afterEach(() => vi.unstubAllGlobals());

describe('View: RunDetail', () => {
  it('shows the manifest fields, the objects with size and checksum, and the log', async () => {
    stubFetch({ 'GET /api/runs/employees_20260222_101500': () => ({ status: 200, body: runDetail }) });
    render(<RunDetail runId="employees_20260222_101500" />);
    expect(screen.getByRole('status').textContent).toBe('Loading the run…');
    await screen.findByRole('heading', { name: 'Manifest' });
    expect(screen.getByText('Committed')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'employees' }).getAttribute('href')).toBe('#/jobs/employees');
    expect(screen.getByText('postgres table employees')).toBeTruthy();
    expect(screen.getByText('10,000 exported / 10,000 in source')).toBeTruthy();
    expect(screen.getByText(/CSV \(comma, LF, header\), uncompressed, times in UTC/)).toBeTruthy();
    const [object] = within(screen.getByRole('list', { name: 'Objects' })).getAllByRole('listitem');
    expect(within(object!).getByText('rds_exports/employees/dt=2026-02-22/employees_20260222_101500.csv')).toBeTruthy();
    expect(within(object!).getByText('10,000 rows · 1.5 MiB')).toBeTruthy();
    expect(within(object!).getByText('a'.repeat(64))).toBeTruthy();
    expect(within(object!).getByRole('button', { name: 'Download CSV: employees_20260222_101500.csv' })).toBeTruthy();

    const lines = within(screen.getByRole('list', { name: 'Log lines' })).getAllByRole('listitem');
    expect(lines.map((line) => line.className)).toEqual(['log-line level-info', 'log-line level-warn', 'log-line level-info']);
    expect(within(lines[2]!).getByText('status=committed rows=10000')).toBeTruthy();
  });

  it('filters the log by text and by level', async () => {
    stubFetch({ 'GET /api/runs/employees_20260222_101500': () => ({ status: 200, body: runDetail }) });
    render(<RunDetail runId="employees_20260222_101500" />);
    await screen.findByRole('heading', { name: 'Log' });
    expect(screen.getByText('3 of 3 lines')).toBeTruthy();
    await userEvent.type(screen.getByRole('searchbox'), 'ROTATION');
    expect(screen.getByText('1 of 3 lines')).toBeTruthy();
    expect(screen.getByText(/reading the secret again/)).toBeTruthy();
    await userEvent.clear(screen.getByRole('searchbox'));
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Level' }), 'ERROR');
    expect(screen.getByText('No line matches the filter.')).toBeTruthy();
  });

  it('shows a failed run: the error, no manifest, nothing to download', async () => {
    stubFetch({
      'GET /api/runs/employees_20260222_101000': () => ({
        status: 200,
        body: {
          ...runDetail,
          runId: 'employees_20260222_101000',
          status: 'failed',
          manifest: null,
          failure: { errorClass: 'database', code: 'DB_UNREACHABLE', error: 'connection refused', at: '2026-02-22T10:10:02.000Z' },
          logs: [{ timestamp: '2026-02-22T10:10:02.000Z', level: 'ERROR', message: 'run summary', phase: null, fields: { status: 'failed' } }],
        },
      }),
    });
    render(<RunDetail runId="employees_20260222_101000" />);
    const note = await screen.findByRole('note');
    expect(note.textContent).toContain('This run failed (database/DB_UNREACHABLE)');
    expect(note.textContent).toContain('connection refused');
    expect(screen.getByText(/No manifest: this run committed nothing/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Download/ })).toBeNull();
    expect(document.querySelector('.log-line')?.className).toBe('log-line level-error');
  });

  it('has an empty state for a run without log lines', async () => {
    stubFetch({ 'GET /api/runs/employees_20260222_101500': () => ({ status: 200, body: { ...runDetail, logs: [] } }) });
    render(<RunDetail runId="employees_20260222_101500" />);
    expect(await screen.findByText('No log lines for this run.')).toBeTruthy();
  });

  it('shows a 404 as an error with the way back, and nothing to retry or refresh', async () => {
    stubFetch({ 'GET /api/runs/employees_20200101_000000': () => ({ status: 404, body: { error: { code: 'RUN_NOT_FOUND', message: 'no run "employees_20200101_000000"' } } }) });
    render(<RunDetail runId="employees_20200101_000000" />);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('RUN_NOT_FOUND');
    expect(within(alert).getByRole('link', { name: 'Back to the jobs' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Try again|Refresh/ })).toBeNull();
    expect(screen.queryByRole('heading', { name: 'Manifest' })).toBeNull();
  });

  it('tells a network failure apart from an API error', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    render(<RunDetail runId="employees_20260222_101500" />);
    expect((await screen.findByRole('alert')).textContent).toContain('the dashboard API cannot be reached');
  });
});
