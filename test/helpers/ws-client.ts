import { WebSocket, type ClientOptions } from 'ws';
import type { ServerMessage } from '../../server/shared/api-types.js';

export interface EventClient {
  ws: WebSocket;
  messages: ServerMessage[];
  /** Resolves with the first message (already received or still to come) matching `match`. */
  next(match: (message: ServerMessage) => boolean, timeoutMs?: number, what?: string): Promise<ServerMessage>;
  /** Resolves with the close code (already closed or still to come). */
  closed(timeoutMs?: number): Promise<number>;
}

/** A real WebSocket client on `/api/events` that records every message it gets. */
export async function connectEvents(baseUrl: string, options: ClientOptions = {}): Promise<EventClient> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/events`, { perMessageDeflate: false, ...options });
  const messages: ServerMessage[] = [];
  const waiters = new Set<() => void>();
  let closeCode: number | null = null;
  ws.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as ServerMessage);
    for (const wake of waiters) wake();
  });
  ws.on('close', (code) => {
    closeCode = code;
    for (const wake of waiters) wake();
  });
  ws.on('error', () => undefined); // the close event carries what tests assert on
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused with ${response.statusCode}`)));
    ws.once('error', reject);
  });
  const until = <T>(check: () => T | undefined, timeoutMs: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const test = () => {
        const found = check();
        if (found === undefined) return;
        waiters.delete(test);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(test);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      waiters.add(test);
      test();
    });
  return {
    ws,
    messages,
    next: (match, timeoutMs = 5000, what = 'a matching message') => until(() => messages.find(match), timeoutMs, what),
    closed: (timeoutMs = 5000) => until(() => closeCode ?? undefined, timeoutMs, 'the socket to close'),
  };
}
