/**
 * Who is calling the API: nobody in local mode, a Cognito (OpenID Connect) user otherwise.
 * oidc-client-ts does the protocol: authorization code flow with PKCE (S256), a public client
 * (no secret), silent renewal with the refresh token before the access token expires.
 *
 * Storage: tokens live in memory only (InMemoryWebStorage): a reload or a new tab signs in
 * again, which the provider's own session makes a quick round trip. Only the short-lived
 * state of one sign-in redirect (state, PKCE verifier; no token) goes to sessionStorage,
 * because it must survive the navigation to the provider and back. Never localStorage.
 */
import { InMemoryWebStorage, UserManager, WebStorageStateStore, type User, type UserManagerSettings } from 'oidc-client-ts';
import type { AuthSettings, RuntimeConfig } from '../runtime-config.js';

export type SessionState =
  | { readonly status: 'local' }
  | { readonly status: 'signed-in'; readonly user: string }
  | { readonly status: 'redirecting'; readonly to: 'sign-in' | 'sign-out' }
  | { readonly status: 'expired'; readonly reason: string }
  | { readonly status: 'error'; readonly message: string };

export interface Session {
  readonly mode: 'local' | 'oidc';
  state(): SessionState;
  subscribe(listener: () => void): () => void;
  /** The access token to send as `Authorization: Bearer`, or undefined (local mode, or no valid session). */
  accessToken(): Promise<string | undefined>;
  /** The API answered 401: the token is gone or refused. Ends the session and asks for a new sign-in. */
  rejected(): void;
  signIn(): Promise<void>;
  signOut(): Promise<void>;
}

/** Seconds before expiry at which the access token is renewed (oidc-client-ts' default is 60). */
export const RENEW_BEFORE_EXPIRY_SECONDS = 60;
const DEFAULT_SCOPE = 'openid email profile';

export function localSession(): Session {
  const state: SessionState = { status: 'local' };
  return {
    mode: 'local',
    state: () => state,
    subscribe: () => () => undefined,
    accessToken: () => Promise.resolve(undefined),
    rejected: () => undefined,
    signIn: () => Promise.resolve(),
    signOut: () => Promise.resolve(),
  };
}

export function userManagerSettings(auth: AuthSettings, sessionStore: Storage): UserManagerSettings {
  return {
    authority: auth.authority,
    client_id: auth.clientId,
    redirect_uri: auth.redirectUri,
    post_logout_redirect_uri: auth.postLogoutRedirectUri ?? auth.redirectUri,
    response_type: 'code',
    scope: auth.scope ?? DEFAULT_SCOPE,
    userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
    stateStore: new WebStorageStateStore({ store: sessionStore, prefix: 'oidc.' }),
    // Renewal with the refresh token (Cognito issues one with the code flow): no iframe.
    automaticSilentRenew: true,
    accessTokenExpiringNotificationTimeInSeconds: RENEW_BEFORE_EXPIRY_SECONDS,
    // Cognito has no check_session_iframe; the userinfo call would add a round trip for claims the ID token already has.
    monitorSession: false,
    loadUserInfo: false,
    ...(auth.signOutEndpoint && { metadataSeed: { end_session_endpoint: auth.signOutEndpoint } }),
  };
}

/** Where the user was (the hash route), carried through the provider round trip. */
interface RedirectState {
  readonly hash: string;
}

function isCallback(location: Location): boolean {
  const query = new URLSearchParams(location.search);
  return query.has('state') && (query.has('code') || query.has('error'));
}

/**
 * Starts the session for this page load: finishes a sign-in that comes back from the provider,
 * or sends the browser to the provider's sign-in page (state "redirecting").
 */
export async function startSession(config: RuntimeConfig, win: Window = window): Promise<Session> {
  const auth = config.auth;
  if (!auth) return localSession();
  const manager = new UserManager(userManagerSettings(auth, win.sessionStorage));
  const listeners = new Set<() => void>();
  let current: SessionState = { status: 'redirecting', to: 'sign-in' };
  const set = (next: SessionState) => {
    current = next;
    for (const listener of listeners) listener();
  };
  const signedIn = (user: User) => set({ status: 'signed-in', user: String(user.profile.email ?? user.profile['cognito:username'] ?? user.profile.sub) });
  const expire = (reason: string) => {
    void manager.removeUser();
    set({ status: 'expired', reason });
  };

  manager.events.addUserLoaded(signedIn);
  manager.events.addAccessTokenExpired(() => expire('your session expired'));
  // A failed renewal keeps the current token until it expires (then the event above fires).
  manager.events.addSilentRenewError(() => undefined);

  const signIn = async () => {
    set({ status: 'redirecting', to: 'sign-in' });
    const state: RedirectState = { hash: win.location.hash };
    await manager.signinRedirect({ state });
  };

  const session: Session = {
    mode: 'oidc',
    state: () => current,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async accessToken() {
      const user = await manager.getUser();
      if (!user || user.expired) return undefined;
      return user.access_token;
    },
    rejected: () => expire('the API did not accept your sign-in (expired or revoked)'),
    signIn,
    async signOut() {
      const user = await manager.getUser();
      set({ status: 'redirecting', to: 'sign-out' });
      await manager.signoutRedirect({
        ...(user?.id_token && { id_token_hint: user.id_token }),
        // Cognito's /logout wants these two; a standard end_session_endpoint ignores unknown ones.
        ...(auth.signOutEndpoint && { extraQueryParams: { client_id: auth.clientId, logout_uri: auth.postLogoutRedirectUri ?? auth.redirectUri } }),
      });
    },
  };

  if (isCallback(win.location)) {
    try {
      const user = await manager.signinRedirectCallback(win.location.href);
      const hash = (user.state as RedirectState | undefined)?.hash ?? '';
      // Drop ?code=&state= from the address bar (and from history): they are single-use anyway.
      win.history.replaceState(null, '', `${win.location.pathname}${hash}`);
      signedIn(user);
    } catch (error) {
      win.history.replaceState(null, '', `${win.location.pathname}${win.location.hash}`);
      set({ status: 'error', message: `sign-in did not complete: ${error instanceof Error ? error.message : String(error)}` });
    }
    return session;
  }
  await signIn();
  return session;
}
