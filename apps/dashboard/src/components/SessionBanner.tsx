import type { Session, SessionState } from '../auth/session.js';

/** Top-right of the header: who is signed in (and sign-out), or that local mode has no sign-in. */
export function SessionBanner({ session, state, stage }: { session: Session; state: SessionState; stage?: string | undefined }) {
  if (state.status === 'local') {
    return (
      <p className="session local-mode" role="note">
        Local mode: no sign-in. The API answers anyone on this machine (127.0.0.1 only).
      </p>
    );
  }
  return (
    <div className="session">
      {stage ? <span className="stage">{stage}</span> : null}
      {state.status === 'signed-in' ? (
        <>
          <span className="muted">Signed in as {state.user}</span>
          <button type="button" className="secondary" onClick={() => void session.signOut()}>
            Sign out
          </button>
        </>
      ) : null}
    </div>
  );
}

/** Instead of the page when there is no usable session: expired, refused, or a sign-in that failed. */
export function SignInNeeded({ session, state }: { session: Session; state: SessionState }) {
  if (state.status === 'redirecting') {
    return (
      <p className="state state-loading" role="status" aria-live="polite">
        {state.to === 'sign-out' ? 'Signing out…' : 'Redirecting to sign-in…'}
      </p>
    );
  }
  const message = state.status === 'expired' ? `Session expired: ${state.reason}.` : state.status === 'error' ? `Could not sign you in: ${state.message}.` : '';
  return (
    <div className="state state-error" role="alert">
      <p>
        <strong>{message}</strong> Sign in again to continue.
      </p>
      <button type="button" onClick={() => void session.signIn()}>
        Sign in again
      </button>
    </div>
  );
}
