import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedHook {
  event: string;
  delivery: string;
  timestamp: string;
  signature: string;
  body: string;
  json: { id: string; event: string; timestamp: string; data: Record<string, unknown> };
  /** Checked here with node:crypto directly, independent of spis' signing module. */
  signatureValid: boolean;
  status: number;
}

export interface WebhookReceiver {
  url: string;
  port: number;
  received: ReceivedHook[];
  /** Decides each answer's status (default 200). */
  respond: (hook: Omit<ReceivedHook, 'status'>) => number;
  /** Milliseconds to wait before answering (the request is recorded at once): a slow receiver. */
  holdMs: number;
  close(): Promise<void>;
}

/** A real HTTP server that records webhook POSTs; `port` may be fixed to come back after a stop. */
export async function startReceiver(secret: string, port = 0): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const header = (name: string) => String(req.headers[name] ?? '');
      const timestamp = header('x-spis-timestamp');
      const signature = header('x-spis-signature');
      const expected = 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
      const hook = {
        event: header('x-spis-event'),
        delivery: header('x-spis-delivery'),
        timestamp,
        signature,
        body,
        json: JSON.parse(body) as ReceivedHook['json'],
        signatureValid: signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected)),
      };
      const status = receiver.respond(hook);
      received.push({ ...hook, status });
      if (receiver.holdMs > 0) setTimeout(() => res.writeHead(status).end(), receiver.holdMs);
      else res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  const receiver: WebhookReceiver = {
    url: `http://127.0.0.1:${actual}/hook`,
    port: actual,
    received,
    respond: () => 200,
    holdMs: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return receiver;
}

/** A port that was free a moment ago, for a receiver that starts later. */
export async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
