/**
 * DNS rebinding guard for the local servers (s3rver, dynalite): they bind 127.0.0.1, but a web
 * page whose own host name an attacker re-points at 127.0.0.1 reaches them as a same-origin
 * request and could read the exported objects or the job state. Such a request carries the
 * attacker's name in its Host header, so only the loopback names are answered. The port is not
 * checked: the fault proxy forwards requests with its own port in the Host header.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** `127.0.0.1[:port]` or `localhost[:port]`, case-insensitive. */
export function isLoopbackHost(host: string | undefined): boolean {
  return /^(127\.0\.0\.1|localhost)(:\d{1,5})?$/i.test(host ?? '');
}

export const HOST_REFUSED_MESSAGE = 'this local server answers only requests to 127.0.0.1 or localhost (Host header refused, against DNS rebinding)';

/** Puts the check in front of every `request` listener the server already has. */
export function guardLoopbackHost(server: Server): void {
  const listeners = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (isLoopbackHost(req.headers.host)) {
      for (const listener of listeners) listener.call(server, req, res);
      return;
    }
    const body = JSON.stringify({ __type: 'HostNotAllowed', message: HOST_REFUSED_MESSAGE });
    res.writeHead(421, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  });
}
