import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Config } from '../config/schema.js';

type Handler = http.RequestListener;

/** Bounded waits so a slow or idle client cannot hold a connection (and a file) forever. */
export const SERVER_TIMEOUTS = { headersTimeoutMs: 20_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 5_000 };

/**
 * Plain HTTP, or HTTPS when `tls.cert` and `tls.key` are set. node:https rather than http2
 * with allowHTTP1: the WebSocket hub and the connection drain rely on HTTP/1.1 `upgrade`
 * and `http.Server` semantics, and Koa's http2 compatibility drops status messages.
 */
export function createHttpServer(tls: Config['tls'], handler: Handler): { server: http.Server; secure: boolean } {
  if ((tls.cert === '') !== (tls.key === '')) throw new Error('TLS needs both tls.cert and tls.key');
  const secure = tls.cert !== '';
  const options = {
    headersTimeout: SERVER_TIMEOUTS.headersTimeoutMs,
    requestTimeout: SERVER_TIMEOUTS.requestTimeoutMs,
    keepAliveTimeout: SERVER_TIMEOUTS.keepAliveTimeoutMs,
  };
  const server = secure
    ? https.createServer({ ...options, cert: readFileSync(tls.cert), key: readFileSync(tls.key), minVersion: 'TLSv1.2' }, handler)
    : http.createServer(options, handler);
  return { server: server as http.Server, secure };
}
