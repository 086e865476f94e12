import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, configureApi } from './api.js';
import { App } from './App.js';
import type { Session, SessionState } from './auth/session.js';
import { jobsResponse, stubFetch } from './test-fixtures.js';

afterEach(() => {
  configureApi();
  vi.unstubAllGlobals();
  window.location.hash = '';
});

/** A session whose state the test drives; sign-in and sign-out are recorded. */
function fakeSession(initial: SessionState) {
  let state = initial;
  const listeners = new Set<() => void>();
  const set = (next: SessionState) => {
    state = next;
    listeners.forEach((listener) => listener());
  };
  const session: Session = {
    mode: 'oidc',
    state: () => state,
    subscribe: (listener) => (listeners.add(listener), () => listeners.delete(listener)),
    accessToken: () => Promise.resolve(state.status === 'signed-in' ? 'token' : undefined),
    rejected: vi.fn(() => set({ status: 'expired', reason: 'the API did not accept your sign-in (expired or revoked)' })),
    signIn: vi.fn(() => Promise.resolve()),
    signOut: vi.fn(() => Promise.resolve()),
  };
  return session;
}

describe('Component: App', () => {
  it('says that local mode has no sign-in', async () => {
    stubFetch({ 'GET /api/jobs': () => ({ status: 200, body: jobsResponse }) });
    render(<App />);
    expect(screen.getByRole('note').textContent).toBe('Local mode: no sign-in. The API answers anyone on this machine (127.0.0.1 only).');
    expect(await screen.findByRole('article', { name: 'employees' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Sign out' })).toBeNull();
  });

  it('shows who is signed in and signs out', async () => {
    stubFetch({ 'GET /api/jobs': () => ({ status: 200, body: jobsResponse }) });
    const session = fakeSession({ status: 'signed-in', user: 'ops@example.com' });
    render(<App session={session} stage="prod" />);
    expect(screen.getByText('Signed in as ops@example.com')).toBeTruthy();
    expect(screen.getByText('prod')).toBeTruthy();
    expect(screen.queryByRole('note')).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(session.signOut).toHaveBeenCalledTimes(1);
  });

  it('replaces the page with "session expired, sign in again" when the API answers 401', async () => {
    stubFetch({ 'GET /api/jobs': () => ({ status: 401, body: { message: 'Unauthorized' } }) });
    const session = fakeSession({ status: 'signed-in', user: 'ops@example.com' });
    configureApi({ base: '', accessToken: () => session.accessToken(), rejected: () => session.rejected(), requiresToken: true });
    render(<App session={session} />);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Session expired: the API did not accept your sign-in (expired or revoked). Sign in again to continue.');
    expect(screen.queryByRole('article')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Sign out' })).toBeNull();
    await userEvent.click(within(alert).getByRole('button', { name: 'Sign in again' }));
    expect(session.signIn).toHaveBeenCalledTimes(1);
    // Without a token no request goes out at all.
    await expect(api.jobs()).rejects.toMatchObject({ code: 'SESSION_EXPIRED' });
  });

  it('says where the browser is going while it leaves for the provider', () => {
    const { unmount } = render(<App session={fakeSession({ status: 'redirecting', to: 'sign-in' })} />);
    expect(screen.getByRole('status').textContent).toBe('Redirecting to sign-in…');
    unmount();
    render(<App session={fakeSession({ status: 'redirecting', to: 'sign-out' })} />);
    expect(screen.getByRole('status').textContent).toBe('Signing out…');
    expect(screen.queryByRole('article')).toBeNull();
  });

  it('says a failed sign-in failed, with the way back', () => {
    render(<App session={fakeSession({ status: 'error', message: 'sign-in did not complete: access_denied' })} />);
    expect(screen.getByRole('alert').textContent).toContain('Could not sign you in: sign-in did not complete: access_denied.');
    expect(screen.getByRole('button', { name: 'Sign in again' })).toBeTruthy();
  });
});
