import type { ServerMessage } from '../../../server/shared/api-types.js';
import { Emitter } from './emitter.js';

interface LiveEvents extends Record<string, unknown> {
  message: ServerMessage;
  /** A connection (re)opened; `reconnected` means events may have been missed meanwhile. */
  open: { reconnected: boolean };
  down: { retryInMs: number };
}

/**
 * The `/api/events` WebSocket, reopened with exponential backoff and jitter after any drop.
 * Backoff resets once a connection has stayed up for a while, so a flapping server is not hammered.
 */
export class LiveEventsClient extends Emitter<LiveEvents> {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private everOpened = false;
  private timer: number | undefined;
  private stopped = false;
  private openedAt = 0;

  constructor(private readonly url = defaultUrl()) {
    super();
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.timer);
    this.socket?.close();
    this.socket = null;
  }

  /** Skips the wait when the browser says the network is back. */
  retryNow(): void {
    if (this.stopped || (this.socket && this.socket.readyState <= WebSocket.OPEN)) return;
    window.clearTimeout(this.timer);
    this.connect();
  }

  private connect(): void {
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.addEventListener('open', () => {
      this.openedAt = Date.now();
      this.emit('open', { reconnected: this.everOpened });
      this.everOpened = true;
    });
    socket.addEventListener('message', (event: MessageEvent) => {
      if (typeof event.data !== 'string') return;
      try {
        this.emit('message', JSON.parse(event.data) as ServerMessage);
      } catch {
        // a malformed frame is ignored rather than breaking the page
      }
    });
    socket.addEventListener('close', () => {
      if (this.socket !== socket || this.stopped) return;
      this.socket = null;
      if (Date.now() - this.openedAt > 30_000) this.attempt = 0;
      const delay = Math.min(30_000, 1000 * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
      this.attempt++;
      this.emit('down', { retryInMs: delay });
      this.timer = window.setTimeout(() => this.connect(), delay);
    });
  }
}

function defaultUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api/events`;
}
