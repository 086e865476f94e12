import { describe, expect, it } from 'vitest';
import { withConnectionPort } from './connection-port.js';

const secret = (port: number) => ({ get: async () => ({ username: 'exporter', password: 'pw', host: 'db.internal', port, database: 'shop' }) });
const job = (port?: number) => ({ name: 'orders', connection: { name: 'shop', ...(port === undefined ? {} : { port }) } });

describe('withConnectionPort', () => {
  it('connects on the connection port when the secret names none', async () => {
    expect(await withConnectionPort(secret(0), job(3307)).get()).toEqual({ username: 'exporter', password: 'pw', host: 'db.internal', port: 3307, database: 'shop' });
  });

  it('keeps the secret port when both agree, and when the connection names none', async () => {
    expect((await withConnectionPort(secret(5432), job(5432)).get()).port).toBe(5432);
    expect((await withConnectionPort(secret(6543), job()).get()).port).toBe(6543);
  });

  it('refuses a secret whose port is not the one the security groups allow, naming both', async () => {
    await expect(withConnectionPort(secret(3307), job(3306)).get()).rejects.toMatchObject({
      errorClass: 'config',
      code: 'CONNECTION_PORT_MISMATCH',
      message: expect.stringContaining('the secret of connection "shop" says port 3307, the deployment config says 3306'),
    });
  });
});
