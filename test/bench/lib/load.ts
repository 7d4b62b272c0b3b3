import autocannon from 'autocannon';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
}

/** One autocannon run against a URL (the server lives in another process). */
export async function load(url: string, connections: number, durationS: number, headers?: Record<string, string>): Promise<LoadResult> {
  const result = await autocannon({ url, connections, duration: durationS, ...(headers ? { headers } : {}) });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}
