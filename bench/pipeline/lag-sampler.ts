// Consumer lag of the projector's and the detector's groups on token-events,
// as `kafka-consumer-groups --describe` reports it: log end offset minus
// committed offset, summed over the partitions, sampled every INTERVAL_MS.
import { setTimeout as sleep } from 'node:timers/promises';
import { Admin } from 'kafkajs';

const INTERVAL_MS = 500;

export interface LagSample {
  /** performance.now() ms. */
  at: number;
  lag: Record<string, number>;
}

export interface LagTrend {
  /** Least-squares slope of the lag over the window, records/s (positive: falling behind). */
  slopePerSecond: number;
  meanLag: number;
  maxLag: number;
  lastLag: number;
}

export class LagSampler {
  readonly samples: LagSample[] = [];
  private running = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly admin: Admin,
    private readonly topic: string,
    /** Consumer name (projector, detector) to group id. */
    private readonly groups: Record<string, string>,
  ) {}

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const at = performance.now();
        this.samples.push({ at, lag: await this.lagNow() });
        await sleep(Math.max(0, INTERVAL_MS - (performance.now() - at)));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  latest(): Record<string, number> {
    return this.samples[this.samples.length - 1]?.lag ?? {};
  }

  async lagNow(): Promise<Record<string, number>> {
    // Committed offsets first: the log end read afterwards is never behind them.
    const committed = await Promise.all(Object.values(this.groups).map(async (groupId) => (await this.admin.fetchOffsets({ groupId, topics: [this.topic] }))[0]));
    const end = await this.admin.fetchTopicOffsets(this.topic);
    const out: Record<string, number> = {};
    Object.keys(this.groups).forEach((name, i) => {
      out[name] = end.reduce((sum, e) => {
        const c = Number(committed[i].partitions.find((p) => p.partition === e.partition)?.offset ?? -1);
        return sum + Number(e.high) - (c < 0 ? Number(e.low) : c);
      }, 0);
    });
    return out;
  }

  /** Trend of `name`'s lag over samples taken in [from, to) (performance.now() ms). */
  trend(name: string, from: number, to: number): LagTrend {
    const xs = this.samples.filter((s) => s.at >= from && s.at < to).map((s) => ({ t: (s.at - from) / 1000, lag: s.lag[name] }));
    if (xs.length < 2) return { slopePerSecond: NaN, meanLag: NaN, maxLag: NaN, lastLag: NaN };
    const mt = xs.reduce((a, x) => a + x.t, 0) / xs.length;
    const ml = xs.reduce((a, x) => a + x.lag, 0) / xs.length;
    const cov = xs.reduce((a, x) => a + (x.t - mt) * (x.lag - ml), 0);
    const vt = xs.reduce((a, x) => a + (x.t - mt) ** 2, 0);
    return { slopePerSecond: Math.round(cov / vt), meanLag: Math.round(ml), maxLag: Math.max(...xs.map((x) => x.lag)), lastLag: xs[xs.length - 1].lag };
  }
}
