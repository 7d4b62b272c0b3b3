import http from 'node:http';
import https from 'node:https';

export interface SendRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Posts one delivery; resolves with the status, rejects on network errors and timeouts. */
export type Sender = (request: SendRequest) => Promise<{ status: number }>;

// Keep-alive saves a TCP (and TLS) handshake per delivery when a backlog drains. Node's
// agent unrefs idle sockets, so they never keep a short CLI run or a shutdown waiting.
const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 16 }), https: new https.Agent({ keepAlive: true, maxSockets: 16 }) };

/**
 * A plain POST with node:http rather than fetch, with one timeout covering connect, upload
 * and the response. Redirects are not followed (a webhook URL that redirects is a
 * configuration mistake).
 */
export const httpSender: Sender = ({ url, headers, body, timeoutMs, signal }) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const transport = secure ? https : http;
    const payload = Buffer.from(body, 'utf8');
    const request = transport.request(target, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(payload.length) },
      agent: secure ? agents.https : agents.http,
      signal,
    });
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    request.once('response', (response) => {
      // Only the status matters; drain the body so the socket closes cleanly.
      response.resume();
      response.once('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0 });
      });
      response.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    request.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(payload);
  });
