import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jobsResponse, stubFetch } from '../test-fixtures.js';
import { JobsOverview } from './JobsOverview.js';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('View: JobsOverview', () => {
  it('shows a card per job with health, last run, next run and the rows chart', async () => {
    stubFetch({ 'GET /api/jobs': () => ({ status: 200, body: jobsResponse }) });
    render(<JobsOverview />);
    expect(screen.getByRole('status')).toHaveProperty('textContent', 'Loading jobs…');

    const employees = await screen.findByRole('article', { name: 'employees' });
    expect(within(employees).getByText('OK')).toBeTruthy();
    expect(within(employees).getByText('10,000 rows · 1.5 MiB · 2.5 s')).toBeTruthy();
    expect(within(employees).getByRole('link', { name: 'employees' }).getAttribute('href')).toBe('#/jobs/employees');
    expect(within(employees).getByRole('link', { name: 'Run history' }).getAttribute('href')).toBe('#/jobs/employees');
    // The next run: local time in the text, UTC on hover.
    const next = employees.querySelector('time[datetime="2026-02-22T10:25:00.000Z"]');
    expect(next?.getAttribute('title')).toBe('2026-02-22 10:25:00 UTC');
    // Chart: oldest first, the failed run named.
    expect(within(employees).getByRole('img').getAttribute('aria-label')).toBe('Rows per run, last 3 runs: 250, failed, 10,000');
    expect(within(employees).getByText('Rows per run (last 3): 10,250 total, max 10,000')).toBeTruthy();

    const orders = screen.getByRole('article', { name: 'orders' });
    expect(within(orders).getByText('Failing')).toBeTruthy();
    const error = within(orders).getByText(/database\/DB_UNREACHABLE connection refused/);
    // A long error takes the card's full width (label above it), its whole text on hover.
    expect(error.parentElement?.className).toBe('fact-wide');
    expect(error.getAttribute('title')).toBe('connection refused by 10.0.0.5:5432');

    const audit = screen.getByRole('article', { name: 'audit' });
    expect(within(audit).getByText('Never run')).toBeTruthy();
    expect(within(audit).getByText('never')).toBeTruthy();
    expect(within(audit).getByText('not scheduled')).toBeTruthy();
    expect(within(audit).queryByRole('img')).toBeNull();
  });

  it('says so when the catalog is empty', async () => {
    stubFetch({ 'GET /api/jobs': () => ({ status: 200, body: { generatedAt: '2026-02-22T10:22:00.000Z', jobs: [] } }) });
    render(<JobsOverview />);
    expect(await screen.findByText(/No jobs in the catalog/)).toBeTruthy();
  });

  it('shows the API error with its code and retries on request', async () => {
    let calls = 0;
    stubFetch({
      'GET /api/jobs': () =>
        ++calls === 1
          ? { status: 502, body: { error: { code: 'S3_UNREACHABLE', message: 'the export store or run logs could not be read (network error)' } } }
          : { status: 200, body: jobsResponse },
    });
    render(<JobsOverview />);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('the export store or run logs could not be read (network error)');
    expect(alert.textContent).toContain('(S3_UNREACHABLE)');
    await userEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('article', { name: 'employees' })).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('reports a response that breaks the contract instead of rendering it', async () => {
    stubFetch({ 'GET /api/jobs': () => ({ status: 200, body: { jobs: [{ name: 1 }] } }) });
    render(<JobsOverview />);
    expect((await screen.findByRole('alert')).textContent).toContain('does not understand');
  });

  it('refreshes on its own every 30 s', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const fetchMock = stubFetch({ 'GET /api/jobs': () => ({ status: 200, body: jobsResponse }) });
    render(<JobsOverview />);
    await screen.findByRole('article', { name: 'employees' });
    expect(fetchMock).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });
});
