/** Repeated measurements summarised the same way everywhere: median and min–max. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs: [...samples] };
}

/** Percentile of already-collected values (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Runs `measure` `times` times in sequence and summarises each named figure it returns. */
export async function repeat<K extends string>(
  times: number,
  measure: (run: number) => Promise<Record<K, number>>,
): Promise<Record<K, Summary>> {
  const collected = new Map<K, number[]>();
  for (let run = 0; run < times; run++) {
    const figures = await measure(run);
    for (const [key, value] of Object.entries(figures) as Array<[K, number]>) {
      collected.set(key, [...(collected.get(key) ?? []), value]);
    }
  }
  const out = {} as Record<K, Summary>;
  for (const [key, values] of collected) out[key] = summarize(values);
  return out;
}

export const round = (n: number, digits = 1) => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};
