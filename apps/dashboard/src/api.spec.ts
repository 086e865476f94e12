import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, configureApi } from './api.js';
import { jobsResponse, stubFetch } from './test-fixtures.js';

afterEach(() => {
  configureApi();
  vi.unstubAllGlobals();
});

describe('Module: api', () => {
  it('sends no Authorization header in local mode', async () => {
    const fetchMock = stubFetch({ 'GET /api/jobs': () => ({ status: 200, body: jobsResponse }) });
    await api.jobs();
    expect(new Headers(fetchMock.mock.calls[0]?.[1]?.headers).has('authorization')).toBe(false);
  });

  it('sends the access token as a Bearer token to the configured base, on every call', async () => {
    const fetchMock = stubFetch({
      'GET https://api.example.com/api/jobs': () => ({ status: 200, body: jobsResponse }),
      'POST https://api.example.com/api/runs/employees_20260222_101500/download': () => ({ status: 200, body: { url: 'https://s3.example.com/x', key: 'rds_exports/x.csv', expiresAt: '2026-02-22T10:20:00.000Z', filename: 'x.csv' } }),
    });
    configureApi({ base: 'https://api.example.com', accessToken: () => Promise.resolve('eyJ.token'), rejected: () => undefined, requiresToken: true });
    await api.jobs();
    await api.download('employees_20260222_101500', 'rds_exports/x.csv');
    expect(fetchMock).toHaveBeenCalledTimes(2);
    for (const call of fetchMock.mock.calls) expect(new Headers(call[1]?.headers).get('authorization')).toBe('Bearer eyJ.token');
  });

  it('ends the session on a 401 (API Gateway answers {"message":"Unauthorized"})', async () => {
    stubFetch({ 'GET /api/jobs': () => ({ status: 401, body: { message: 'Unauthorized' } }) });
    const rejected = vi.fn();
    configureApi({ base: '', accessToken: () => Promise.resolve('expired'), rejected, requiresToken: true });
    await expect(api.jobs()).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(rejected).toHaveBeenCalledTimes(1);
  });

  it('does not call the API without a token when one is required', async () => {
    const fetchMock = stubFetch({});
    const rejected = vi.fn();
    configureApi({ base: '', accessToken: () => Promise.resolve(undefined), rejected, requiresToken: true });
    await expect(api.jobs()).rejects.toMatchObject({ status: 401, code: 'SESSION_EXPIRED' });
    expect(fetchMock).not.toHaveBeenCalled();
    expect(rejected).toHaveBeenCalledTimes(1);
  });
});
