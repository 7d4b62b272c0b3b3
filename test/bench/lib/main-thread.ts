/**
 * The page's own main-thread cost in a Chromium trace, by thread time (CPU the renderer's
 * main thread actually ran) rather than wall time. Lighthouse's simulated blocking time
 * multiplies each task's wall duration by 4, and on a shared machine a task's wall time
 * includes every moment the thread waited for a core (the browser, the compositor, the
 * server, other jobs): these figures say what the page itself costs.
 */
interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string; data?: { url?: string } };
}

export interface MainThreadCost {
  /** Thread time of every task on the page's main thread, ms. */
  cpuMs: number;
  /** Wall time of the same tasks, ms. */
  wallMs: number;
  /** Σ max(0, 4 × thread time − 50 ms) over tasks from the first contentful paint on: blocking time without the waiting. */
  blockingCpuMs: number;
}

/** Null when the trace holds no main thread that loaded `origin`. */
export function mainThreadCost(
  trace: { traceEvents: TraceEvent[] },
  origin: string,
  slowdown = 4,
): MainThreadCost | null {
  const events = trace.traceEvents;
  const threadNames = new Map<string, string>();
  for (const e of events)
    if (e.name === 'thread_name' && e.args?.name) threadNames.set(`${e.pid}:${e.tid}`, e.args.name);
  const main = events.find(
    (e) =>
      e.name === 'ResourceSendRequest' &&
      e.args?.data?.url?.startsWith(origin) &&
      threadNames.get(`${e.pid}:${e.tid}`) === 'CrRendererMain',
  );
  if (!main) return null;
  const onMain = (e: TraceEvent) => e.pid === main.pid && e.tid === main.tid;
  const fcp = events.find((e) => e.name === 'firstContentfulPaint' && onMain(e))?.ts ?? 0;
  let cpuMs = 0;
  let wallMs = 0;
  let blockingCpuMs = 0;
  for (const e of events) {
    if (
      e.ph !== 'X' ||
      e.name !== 'RunTask' ||
      !onMain(e) ||
      e.tdur === undefined ||
      e.dur === undefined
    )
      continue;
    cpuMs += e.tdur / 1000;
    wallMs += e.dur / 1000;
    if (e.ts >= fcp) blockingCpuMs += Math.max(0, (slowdown * e.tdur) / 1000 - 50);
  }
  return { cpuMs, wallMs, blockingCpuMs };
}
