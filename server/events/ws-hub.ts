import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../ops/logger.js';
import type { ServerMessage } from '../shared/api-types.js';
import type { BusEvents, EventBus } from './bus.js';
import { LIVE_EVENTS, toServerMessage } from './messages.js';

/**
 * Decides at upgrade time whether a socket may connect (auth plugs in here). Return true to
 * accept, or an HTTP status (401, 403) to refuse.
 */
export type UpgradeAuthorizer = (request: IncomingMessage) => boolean | number | Promise<boolean | number>;

export interface WsHubOptions {
  bus: EventBus;
  log: Logger;
  /** What a new client is greeted with. */
  hello: () => { version: string; count: number };
  path?: string;
  /** Ping interval; a client that missed the previous ping's pong is dropped. */
  heartbeatMs?: number;
  /** Bytes queued for one client beyond which it counts as too slow and is dropped. */
  maxBufferedBytes?: number;
  /** How long a dropped client gets to take its close frame before its socket is destroyed. */
  closeGraceMs?: number;
  authorize?: UpgradeAuthorizer;
}

interface Peer {
  alive: boolean;
}

const CLOSE_GOING_AWAY = 1001;
const CLOSE_TRY_AGAIN_LATER = 1013;

/**
 * The `/api/events` WebSocket endpoint: greets, forwards bus events as JSON text frames,
 * pings to find dead peers and drops clients that stop reading, so a stalled phone never
 * makes the server buffer without bound. Each message is serialized once for all clients.
 */
export class WsHub {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 4096, clientTracking: false });
  private readonly peers = new Map<WebSocket, Peer>();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly heartbeat: NodeJS.Timeout;
  private readonly path: string;
  private readonly maxBufferedBytes: number;
  private readonly closeGraceMs: number;
  private authorize: UpgradeAuthorizer | null;
  private closing = false;
  /** Clients dropped for being too slow / for missing a heartbeat, since start (for metrics). */
  readonly dropped = { slow: 0, dead: 0 };

  constructor(private readonly options: WsHubOptions) {
    this.path = options.path ?? '/api/events';
    this.maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
    this.closeGraceMs = options.closeGraceMs ?? 10_000;
    this.authorize = options.authorize ?? null;
    for (const event of LIVE_EVENTS) {
      const listener = (payload: BusEvents[typeof event][0]) => this.broadcast(toServerMessage(event, payload));
      options.bus.on(event, listener);
      this.unsubscribe.push(() => options.bus.off(event, listener));
    }
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs ?? 30_000);
    this.heartbeat.unref();
  }

  /** Connected clients, for `/api/status` and metrics. */
  get clientCount(): number {
    return this.peers.size;
  }

  /** The largest send backlog any client has right now (bytes the kernel did not take yet). */
  get maxBuffered(): number {
    let max = 0;
    for (const ws of this.peers.keys()) max = Math.max(max, ws.bufferedAmount);
    return max;
  }

  /** Lets the auth layer check sockets at connect time; returns the one it replaces. */
  setAuthorizer(authorize: UpgradeAuthorizer | null): UpgradeAuthorizer | null {
    const previous = this.authorize;
    this.authorize = authorize;
    return previous;
  }

  /** Handles the HTTP server's `upgrade` event: our path becomes a socket, others get a 404. */
  handleUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy()); // a peer resetting mid-handshake is not our error
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (pathname !== this.path) return refuse(socket, 404);
    if (this.closing) return refuse(socket, 503);
    void this.admit(request, socket, head);
  };

  private async admit(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    let verdict: boolean | number;
    try {
      verdict = this.authorize ? await this.authorize(request) : true;
    } catch (error) {
      this.options.log.error({ err: (error as Error).message }, 'WebSocket authorization failed');
      verdict = 500;
    }
    if (verdict !== true) return refuse(socket, typeof verdict === 'number' ? verdict : 401);
    if (this.closing || socket.destroyed) return refuse(socket, 503);
    this.wss.handleUpgrade(request, socket, head, (ws) => this.connect(ws));
  }

  private connect(ws: WebSocket): void {
    this.peers.set(ws, { alive: true });
    ws.on('pong', () => {
      const peer = this.peers.get(ws);
      if (peer) peer.alive = true;
    });
    ws.on('message', () => undefined); // clients have nothing to say yet; frames are size-capped
    ws.on('error', () => ws.terminate());
    ws.on('close', () => this.peers.delete(ws));
    this.send(ws, encode({ type: 'hello', ...this.options.hello() }));
  }

  broadcast(message: ServerMessage): void {
    if (this.peers.size === 0) return;
    const frame = encode(message);
    for (const ws of this.peers.keys()) this.send(ws, frame);
  }

  private send(ws: WebSocket, frame: Buffer): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    // bufferedAmount counts what the kernel did not take yet: a reader that stopped shows here.
    if (ws.bufferedAmount > this.maxBufferedBytes) return this.drop(ws, 'slow');
    ws.send(frame, { binary: false });
  }

  private drop(ws: WebSocket, why: 'slow' | 'dead'): void {
    this.peers.delete(ws);
    this.dropped[why]++;
    this.options.log.debug({ why }, 'dropped a WebSocket client');
    if (why === 'dead') return ws.terminate();
    ws.close(CLOSE_TRY_AGAIN_LATER, 'client too slow');
    // A peer that is not reading will not read the close frame either.
    setTimeout(() => ws.terminate(), this.closeGraceMs).unref();
  }

  private beat(): void {
    for (const [ws, peer] of this.peers) {
      if (!peer.alive) {
        this.drop(ws, 'dead');
        continue;
      }
      peer.alive = false;
      ws.ping();
    }
  }

  /** Says goodbye (1001) to every client and stops listening to the bus. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    for (const off of this.unsubscribe.splice(0)) off();
    const sockets = [...this.peers.keys()];
    this.peers.clear();
    await Promise.all(
      sockets.map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === WebSocket.CLOSED) return resolve();
            // Shutdown is bounded: a client that does not answer the close frame soon is cut.
            const timer = setTimeout(() => ws.terminate(), Math.min(this.closeGraceMs, 1000));
            ws.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            ws.close(CLOSE_GOING_AWAY, 'server shutting down');
          }),
      ),
    );
    this.wss.close();
  }
}

function encode(message: ServerMessage): Buffer {
  return Buffer.from(JSON.stringify(message), 'utf8');
}

function refuse(socket: Duplex, status: number): void {
  if (socket.destroyed) return;
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Refused'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
