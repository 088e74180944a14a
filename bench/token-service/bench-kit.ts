// Timing helpers for the token-service benchmark.

export interface Rate {
  readonly name: string;
  readonly opsPerSecond: number;
  readonly ops: number;
  readonly seconds: number;
}

/** Runs `op` from `concurrency` loops for `durationMs`; returns completed operations per second. */
export async function rate(name: string, op: (i: number) => Promise<unknown>, durationMs: number, concurrency = 1): Promise<Rate> {
  let ops = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      await op(ops++);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  return { name, ops, seconds, opsPerSecond: ops / seconds };
}

/**
 * Alternates the two measurements `rounds` times (so background load hits both
 * alike) and keeps the median of each.
 */
export async function compare(a: () => Promise<Rate>, b: () => Promise<Rate>, rounds: number): Promise<[Rate, Rate]> {
  const as: Rate[] = [];
  const bs: Rate[] = [];
  for (let r = 0; r < rounds; r++) {
    as.push(await a());
    bs.push(await b());
  }
  const median = (xs: Rate[]) => [...xs].sort((x, y) => x.opsPerSecond - y.opsPerSecond)[Math.floor(xs.length / 2)];
  return [median(as), median(bs)];
}

export const fmt = (r: Rate): string => `${r.name.padEnd(44)} ${r.opsPerSecond.toFixed(0).padStart(8)} ops/s  (${r.ops} in ${r.seconds.toFixed(1)} s)`;
