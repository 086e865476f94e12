import { InMemoryWebStorage } from 'oidc-client-ts';
import { describe, expect, it } from 'vitest';
import { localSession, userManagerSettings } from './session.js';

const auth = {
  authority: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
  clientId: '1example23456789',
  redirectUri: 'https://d111111abcdef8.cloudfront.net/',
  signOutEndpoint: 'https://rds-exports-prod.auth.eu-west-1.amazoncognito.com/logout',
};

describe('Function: userManagerSettings', () => {
  it('asks for the code flow of a public client, renews silently and keeps tokens in memory', () => {
    const settings = userManagerSettings(auth, window.sessionStorage);
    expect(settings).toMatchObject({
      authority: auth.authority,
      client_id: auth.clientId,
      redirect_uri: auth.redirectUri,
      post_logout_redirect_uri: auth.redirectUri,
      response_type: 'code',
      scope: 'openid email profile',
      automaticSilentRenew: true,
      monitorSession: false,
      metadataSeed: { end_session_endpoint: auth.signOutEndpoint },
    });
    expect(settings.client_secret).toBeUndefined();
    expect(settings.disablePKCE).toBeUndefined();
    // Tokens: memory. The redirect's state + PKCE verifier: sessionStorage. Never localStorage.
    expect((settings.userStore as unknown as { _store: unknown })._store).toBeInstanceOf(InMemoryWebStorage);
    expect((settings.stateStore as unknown as { _store: unknown })._store).toBe(window.sessionStorage);
  });
});

describe('Function: localSession', () => {
  it('has no token and no sign-in', async () => {
    const session = localSession();
    expect(session.state()).toEqual({ status: 'local' });
    expect(await session.accessToken()).toBeUndefined();
  });
});
