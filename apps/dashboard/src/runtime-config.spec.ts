import { describe, expect, it } from 'vitest';
import shipped from '../public/config.json';
import { LOCAL_CONFIG, loadRuntimeConfig } from './runtime-config.js';

const answer = (status: number, body: string) => () => Promise.resolve(new Response(body, { status }));

const cognito = {
  apiBase: '',
  stage: 'prod',
  auth: {
    authority: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
    clientId: '1example23456789',
    redirectUri: 'https://d111111abcdef8.cloudfront.net/',
    signOutEndpoint: 'https://rds-exports-prod.auth.eu-west-1.amazoncognito.com/logout',
  },
};

describe('Function: loadRuntimeConfig', () => {
  it('reads the stack-written config.json', async () => {
    expect(await loadRuntimeConfig(answer(200, JSON.stringify(cognito)))).toEqual(cognito);
  });

  it('is local mode (no sign-in) when there is no config.json', async () => {
    expect(await loadRuntimeConfig(answer(404, 'not found'))).toEqual(LOCAL_CONFIG);
    expect(LOCAL_CONFIG.auth).toBeUndefined();
  });

  it('ships a config.json for local mode with the build (no auth section)', async () => {
    expect(await loadRuntimeConfig(answer(200, JSON.stringify(shipped)))).toEqual(LOCAL_CONFIG);
  });

  it('trims a trailing slash of apiBase', async () => {
    expect((await loadRuntimeConfig(answer(200, JSON.stringify({ apiBase: 'https://api.example.com/' })))).apiBase).toBe('https://api.example.com');
  });

  it('refuses a broken config instead of falling back to no sign-in', async () => {
    await expect(loadRuntimeConfig(answer(200, '{'))).rejects.toThrow('config.json is not JSON');
    await expect(loadRuntimeConfig(answer(200, '{'))).rejects.toMatchObject({ name: 'RuntimeConfigError', code: 'RUNTIME_CONFIG_INVALID' });
    await expect(loadRuntimeConfig(answer(500, ''))).rejects.toThrow('config.json: the server answered HTTP 500');
    await expect(loadRuntimeConfig(answer(200, JSON.stringify({ auth: { ...cognito.auth, clientId: '' } })))).rejects.toThrow(/^config\.json: auth\.clientId: /);
    await expect(loadRuntimeConfig(answer(200, JSON.stringify({ auth: { ...cognito.auth, authority: 'http://idp.example.com' } })))).rejects.toThrow(
      'config.json: auth.authority: must be an https:// URL (http:// only on 127.0.0.1 or localhost)',
    );
    await expect(loadRuntimeConfig(answer(200, JSON.stringify({ ...cognito, extra: 1 })))).rejects.toThrow(/config\.json: /);
    await expect(loadRuntimeConfig(() => Promise.reject(new TypeError('offline')))).rejects.toThrow('config.json cannot be loaded');
  });
});
