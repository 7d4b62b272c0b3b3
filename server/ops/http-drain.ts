import type http from 'node:http';

export interface HttpDrain {
  /** Requests whose response has not finished or been aborted yet. */
  readonly inFlight: number;
  /**
   * Stops accepting connections, closes idle keep-alive ones, waits up to `graceMs` for
   * in-flight requests, then drops what is left. Resolves once no request is in flight;
   * `closed` resolves when the server has released every socket (after WebSockets close).
   */
  drain(graceMs: number): Promise<{ dropped: number }>;
  readonly closed: Promise<void>;
}

/** Tracks in-flight requests so a shutdown finishes them instead of cutting them off. */
export function trackHttp(server: http.Server): HttpDrain {
  let inFlight = 0;
  let waiters: Array<() => void> = [];
  let closing = false;
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    inFlight++;
    // A keep-alive client would otherwise send its next request on this socket mid-shutdown.
    if (closing) res.setHeader('Connection', 'close');
    res.once('close', () => {
      inFlight--;
      if (closing) req.socket.destroySoon?.();
      if (inFlight === 0) for (const wake of waiters.splice(0)) wake();
    });
  });
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  return {
    get inFlight() {
      return inFlight;
    },
    closed,
    async drain(graceMs) {
      closing = true;
      server.close(() => resolveClosed());
      server.closeIdleConnections();
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, graceMs);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      const dropped = inFlight;
      server.closeAllConnections();
      waiters = [];
      return { dropped };
    },
  };
}
