// The HTTP server around the app, with the timeouts that keep slow or idle clients from holding
// connections (HTTP_* settings in config.ts; nginx's client_*_timeout in deploy/nginx.conf match).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';
import type { Config } from '../config.js';
import { announcesTooMuch, isUpload, MULTIPART_OVERHEAD_BYTES } from './body-limits.js';

const REQUEST_TIMEOUT_ANSWER = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

/** Lingering close: the least read and discarded after an early answer, and the time bounds. */
const LINGER_MIN_BYTES = 64 * 1024 * 1024;
const LINGER_IDLE_MS = 5_000;
const LINGER_TOTAL_MS = 30_000;
const LINGER_CHECK_MS = 100;

/**
 * A request answered before its body was read (contract, "Decisions"): clients that write the
 * whole body before reading (Node's fetch, many scripts) would get a reset, not the answer, if
 * the connection closed with their bytes unread (the kernel answers unread data with RST and may
 * drop the answer still queued). So, as nginx's lingering close does, the connection stays open
 * while the rest of the body is read and discarded (Node's own dump of an unread body), and closes
 * once it is complete or a bound is reached: `maxBytes`, 5 s without a byte, 30 s in all. A
 * keep-alive answer stays keep-alive once the body is complete, within the same bounds.
 */
function lingerAfterAnswer(req: IncomingMessage, maxBytes: number): void {
  const socket = req.socket;
  // Node closes a "Connection: close" answer's socket when the answer is written (destroySoon):
  // that close waits for the body instead.
  const closeNow = socket.destroySoon.bind(socket);
  let closeWhenRead = false;
  socket.destroySoon = () => {
    closeWhenRead = true;
  };
  // Node's parser discards a dumped body without 'data' events: the socket's byte count is read.
  const startedAt = Date.now();
  const firstByte = socket.bytesRead;
  let lastBytes = firstByte;
  let lastByteAt = startedAt;
  const check = setInterval(() => {
    const now = Date.now();
    if (socket.bytesRead !== lastBytes) [lastBytes, lastByteAt] = [socket.bytesRead, now];
    if (lastBytes - firstByte > maxBytes || now - lastByteAt > LINGER_IDLE_MS || now - startedAt > LINGER_TOTAL_MS) socket.destroy();
  }, LINGER_CHECK_MS).unref();
  const done = () => {
    clearInterval(check);
    socket.destroySoon = closeNow;
  };
  socket.once('close', done);
  req.once('end', () => {
    done();
    if (closeWhenRead) closeNow();
  });
}

type TrustProxy = (address: string, hop: number) => boolean;

/**
 * At most `max` open connections per client address; the next is closed at once, before a byte is
 * read. One client holding a thousand idle sockets would otherwise use up the process's file
 * descriptors and lock every other client out. A trusted proxy (TRUST_PROXY: nginx) carries
 * everyone's requests, so its connections are not counted; nginx caps its clients (limit_conn).
 */
function capConnectionsPerClient(server: Server, max: number, trusted: TrustProxy): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress;
    if (!address || trusted(address, 0)) return;
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}

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
  // "Expect: 100-continue": an announced body larger than the route accepts gets its 413 without
  // a "100 Continue", so the client never sends it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (!announcesTooMuch(req, config)) res.writeContinue();
    server.emit('request', req, res);
  });

  capConnectionsPerClient(server, config.http.maxConnectionsPerIp, app.get('trust proxy fn') as TrustProxy);

  const inFlight = new WeakMap<Socket, { req: IncomingMessage; res: ServerResponse }>();
  const cutOff = (socket: Socket) => {
    const res = inFlight.get(socket)?.res;
    if (res && !res.headersSent && socket.writable) socket.end(REQUEST_TIMEOUT_ANSWER);
    socket.destroySoon();
    setTimeout(() => socket.destroy(), 1_000).unref();
  };
  const lingerBytes = Math.max(LINGER_MIN_BYTES, 2 * (config.maxUploadBytes + MULTIPART_OVERHEAD_BYTES));
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    inFlight.set(req.socket, { req, res });
    res.once('finish', () => inFlight.delete(req.socket));
    // Answered before the body was read (413, 401 or 429 on an upload): the rest of the body is
    // read and thrown away before the connection closes.
    res.once('prefinish', () => !req.complete && lingerAfterAnswer(req, lingerBytes));
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
  // Last: the listeners above see each request before the app answers it (some answers, like the
  // early 413, are written synchronously).
  server.on('request', app);
  return server;
}
