/**
 * Taken ports, said in one line. Every port `npm start` opens is set by one environment variable;
 * when the port is in use the user gets the variable to set, never an EADDRINUSE stack trace.
 */
import { createServer } from 'node:net';

export interface PortSetting {
  /** The environment variable that sets the port. */
  readonly variable: string;
  /** What listens there, in words. */
  readonly what: string;
}

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(
    readonly setting: PortSetting,
    readonly port: number,
  ) {
    super(`port ${port} (${setting.what}) is in use; set ${setting.variable} to a free port (0 = any free port)`);
  }
}

const inUse = (error: unknown): boolean => (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE' || /EADDRINUSE|address already in use/i.test(String((error as Error | undefined)?.message ?? ''));

/** Starts a server on `port`; a taken port becomes a {@link PortInUseError} naming the setting. */
export async function onPort<T>(setting: PortSetting, port: number, start: (port: number) => Promise<T>): Promise<T> {
  try {
    return await start(port);
  } catch (error) {
    if (inUse(error)) throw new PortInUseError(setting, port);
    throw error;
  }
}

/** Whether 127.0.0.1:`port` can be bound now (0 always can). The launcher checks before it starts anything. */
export function portIsFree(port: number): Promise<boolean> {
  if (port === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port that is free now (the system's pick), for a setting of 0 that two processes must agree on. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
