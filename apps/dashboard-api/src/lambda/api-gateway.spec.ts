import { describe, expect, it } from 'vitest';
import { fromApiGatewayEvent, toApiGatewayResult } from './api-gateway.js';
import { readApiEnv } from './api-env.js';

describe('Function: fromApiGatewayEvent', () => {
  it('maps an HTTP API v2 event to the handler\'s request, keeping the raw path', () => {
    const request = fromApiGatewayEvent({
      rawPath: '/api/runs/a%2Fb/download',
      rawQueryString: 'limit=5&cursor=x&limit=9',
      body: Buffer.from('{"key":"k"}').toString('base64'),
      isBase64Encoded: true,
      requestContext: { http: { method: 'POST' } },
    });
    expect(request).toEqual({ method: 'POST', path: '/api/runs/a%2Fb/download', query: { limit: '5', cursor: 'x' }, body: '{"key":"k"}' });
    expect(fromApiGatewayEvent({ rawPath: '/api/jobs', requestContext: { http: { method: 'GET' } } })).toEqual({ method: 'GET', path: '/api/jobs', query: {}, body: null });
  });

  it('maps the response back', () => {
    expect(toApiGatewayResult({ status: 404, headers: { 'content-type': 'application/json' }, body: '{}' })).toEqual({ statusCode: 404, headers: { 'content-type': 'application/json' }, body: '{}', isBase64Encoded: false });
  });
});

describe('Function: readApiEnv', () => {
  it('trims values and names the missing key', () => {
    expect(readApiEnv({ EXPORTER_LOG_GROUP: ' /aws/lambda/x ', EXPORT_BUCKET: ' ' })).toEqual({
      exporterLogGroup: '/aws/lambda/x',
      exportBucket: undefined,
      // The deployment config the CDK app bundles next to the handler (index.mjs), unless named.
      configFile: expect.stringMatching(/\/lambda\/deployment-config\.json$/),
    });
    expect(readApiEnv({ EXPORTER_LOG_GROUP: 'g', RDS_S3_EXPORT_CONFIG: ' /tmp/config.yaml ' }).configFile).toBe('/tmp/config.yaml');
    expect(() => readApiEnv({})).toThrow('environment variable EXPORTER_LOG_GROUP is not set');
  });
});
