// The authorizer against a real JWKS endpoint (a local HTTP server with a discovery document),
// with tokens signed by jose: each check API Gateway's JWT authorizer makes, one case each.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type GenerateKeyPairResult, type JWK, type JWTPayload } from 'jose';

type Key = GenerateKeyPairResult['privateKey'];
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJwtAuthorizer, type JwtAuthorizer } from './jwt-authorizer.js';

let server: Server;
let issuer: string;
let issuerKey: Key;
let otherKey: Key;
let authorize: JwtAuthorizer;
let jwksRequests = 0;
const CLIENT = 'dashboard-client';

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  issuerKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const publicJwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'issuer-key', alg: 'RS256', use: 'sig' };
  server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') return void res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/keys` }));
    if (req.url === '/keys') return void (jwksRequests++, res.end(JSON.stringify({ keys: [publicJwk] })));
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  authorize = createJwtAuthorizer({ issuer, audience: [CLIENT] });
});

afterAll(() => new Promise<void>((done) => server.close(() => done())));

const now = () => Math.floor(Date.now() / 1000);

async function token(claims: JWTPayload, { key = issuerKey, kid = 'issuer-key', alg = 'RS256' } = {}): Promise<string> {
  return new SignJWT({ iss: issuer, client_id: CLIENT, token_use: 'access', iat: now(), exp: now() + 600, ...claims }).setProtectedHeader({ alg, kid }).sign(key);
}

describe('Function: createJwtAuthorizer', () => {
  it('accepts a Cognito-style access token (client_id, no aud) of the issuer', async () => {
    const verdict = await authorize(`Bearer ${await token({ sub: 'user-1' })}`);
    expect(verdict).toMatchObject({ ok: true, claims: { sub: 'user-1', client_id: CLIENT } });
    // API Gateway takes the bare token as well.
    expect((await authorize(await token({}))).ok).toBe(true);
  });

  it('accepts an ID-token style aud and checks it before client_id', async () => {
    expect((await authorize(`Bearer ${await token({ aud: CLIENT, client_id: undefined })}`)).ok).toBe(true);
    expect(await authorize(`Bearer ${await token({ aud: 'another-client', client_id: CLIENT })}`)).toEqual({ ok: false, reason: 'neither aud nor client_id is one of the app clients' });
  });

  it('refuses a missing or malformed Authorization header', async () => {
    for (const header of [undefined, '', 'Bearer', 'Basic dXNlcjpwYXNz', 'Bearer not-a-jwt']) {
      expect(await authorize(header)).toEqual({ ok: false, reason: 'no bearer token' });
    }
  });

  it('refuses an expired token, one not valid yet and one issued in the future', async () => {
    expect(await authorize(`Bearer ${await token({ iat: now() - 7200, exp: now() - 3600 })}`)).toMatchObject({ ok: false, reason: expect.stringMatching(/^ERR_JWT_EXPIRED/) });
    expect(await authorize(`Bearer ${await token({ nbf: now() + 600 })}`)).toMatchObject({ ok: false, reason: expect.stringMatching(/^ERR_JWT_CLAIM_VALIDATION_FAILED/) });
    expect(await authorize(`Bearer ${await token({ iat: now() + 600 })}`)).toMatchObject({ ok: false, reason: expect.stringMatching(/iat/) });
    expect(await authorize(`Bearer ${await token({ exp: undefined })}`)).toMatchObject({ ok: false, reason: expect.stringMatching(/exp/) });
  });

  it('refuses a token signed by another key, under the issuer key id or an unknown one', async () => {
    expect(await authorize(`Bearer ${await token({}, { key: otherKey })}`)).toMatchObject({ ok: false, reason: expect.stringMatching(/^ERR_JWS_SIGNATURE_VERIFICATION_FAILED/) });
    expect(await authorize(`Bearer ${await token({}, { key: otherKey, kid: 'attacker' })}`)).toMatchObject({ ok: false, reason: expect.stringMatching(/^ERR_JWKS_NO_MATCHING_KEY/) });
  });

  it('refuses another issuer, another client and a symmetric algorithm', async () => {
    expect(await authorize(`Bearer ${await token({ iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other' })}`)).toMatchObject({ ok: false, reason: expect.stringMatching(/iss/) });
    expect(await authorize(`Bearer ${await token({ client_id: 'another-client' })}`)).toEqual({ ok: false, reason: 'neither aud nor client_id is one of the app clients' });
    expect(await authorize(`Bearer ${await token({ client_id: undefined })}`)).toEqual({ ok: false, reason: 'neither aud nor client_id is one of the app clients' });
    const hs256 = await new SignJWT({ iss: issuer, client_id: CLIENT, iat: now(), exp: now() + 600 }).setProtectedHeader({ alg: 'HS256', kid: 'issuer-key' }).sign(new TextEncoder().encode('x'.repeat(32)));
    expect(await authorize(`Bearer ${hs256}`)).toMatchObject({ ok: false, reason: expect.stringMatching(/^ERR_JOSE_ALG_NOT_ALLOWED/) });
  });

  it('finds the keys through the discovery document once', async () => {
    const before = jwksRequests;
    const fresh = createJwtAuthorizer({ issuer, audience: [CLIENT] });
    for (let i = 0; i < 3; i++) expect((await fresh(await token({}))).ok).toBe(true);
    expect(jwksRequests - before).toBe(1);
  });

  it('fails loudly (not as a 401) when the issuer has no usable discovery document, and retries it', async () => {
    const wrongIssuer = createJwtAuthorizer({ issuer: `${issuer}/nope`, audience: [CLIENT] });
    await expect(wrongIssuer(await token({}))).rejects.toMatchObject({ code: 'AUTH_CONFIG_INVALID', message: expect.stringContaining('/nope/.well-known/openid-configuration answered HTTP 404') });
    // A discovery document naming another issuer is refused too.
    const other = createJwtAuthorizer({ issuer: `${issuer}/`, audience: [CLIENT] });
    await expect(other(await token({}))).rejects.toMatchObject({ code: 'AUTH_CONFIG_INVALID', message: expect.stringContaining('names the issuer') });
  });

  it('needs an audience', () => {
    expect(() => createJwtAuthorizer({ issuer, audience: [] })).toThrow('audience: give at least one app client id');
  });
});
