// The HTTP server around the app, with the timeouts that keep slow or idle clients from holding
// connections (HTTP_* settings in config.ts; nginx's client_*_timeout in deploy/nginx.conf match).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';
import type { Config } from '../config.js';
import { announcesTooMuch, isUpload } from './body-limits.js';

const REQUEST_TIMEOUT_ANSWER = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

export function createHttpServer(app: Express, config: Pick<Config, 'http' | 'maxUploadBytes'>): Server {
  const { idleTimeoutMs, headersTimeoutMs, requestTimeoutMs, bodyTimeoutMs, keepAliveTimeoutMs } = config.http;
  const server = createServer({
    headersTimeout: headersTimeoutMs,
    // A whole request, upload bodies included: a last bound; the idle timeout below is the real one.
    requestTimeout: Math.max(requestTimeoutMs, headersTimeoutMs + 1),
    // How often the two bounds above are checked (Node's default, 30 s, would let short ones slip).
    connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(headersTimeoutMs / 4))),
    keepAliveTimeout: keepAliveTimeoutMs,
  });
  server.on('request', app);

  // "Expect: 100-continue": an announced body larger than the route accepts gets its 413 without
  // a "100 Continue", so the client never sends it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (!announcesTooMuch(req, config)) res.writeContinue();
    server.emit('request', req, res);
  });

  const inFlight = new WeakMap<Socket, { req: IncomingMessage; res: ServerResponse }>();
  const cutOff = (socket: Socket) => {
    const res = inFlight.get(socket)?.res;
    if (res && !res.headersSent && socket.writable) socket.end(REQUEST_TIMEOUT_ANSWER);
    socket.destroySoon();
    setTimeout(() => socket.destroy(), 1_000).unref();
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    inFlight.set(req.socket, { req, res });
    res.once('finish', () => inFlight.delete(req.socket));
    // A small body (JSON, a form) trickled a byte at a time never looks idle: it gets a total time.
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && !isUpload(req)) {
      const timer = setTimeout(() => !req.complete && cutOff(req.socket), bodyTimeoutMs).unref();
      const clear = () => clearTimeout(timer);
      req.once('end', clear);
      res.once('close', clear);
    }
  });
  // No bytes for idleTimeoutMs while the client owes some (a stalled upload, a trickling body, a
  // connection that never sends a request) or while it does not read what it is sent: the
  // connection is closed, with a 408 if nothing was answered yet. While the app itself is working
  // on a complete request the timer is left alone (it re-arms on the next byte written).
  // Idle keep-alive connections are Node's (keepAliveTimeout).
  server.timeout = idleTimeoutMs;
  server.on('timeout', (socket: Socket) => {
    const current = inFlight.get(socket);
    const clientOwesBytes = !current || !current.req.complete;
    const clientNotReading = socket.writableLength > 0;
    if (clientOwesBytes || clientNotReading) cutOff(socket);
  });
  return server;
}
