// End-to-end latencies, each from the scheduled send time of an event:
//  - produce → queryable: probe events (one in `sampleEvery`) are looked up by
//    event_id through the analyst view token_events_v as soc_analyst every
//    VIEW_POLL_MS; an event is queryable at the start of the first poll that
//    returns it (an upper bound, at most VIEW_POLL_MS late).
//  - produce → alert: the issuance that crosses reissue-per-subject's threshold
//    in a storm; the alert arrives when a consumer of the alerts topic in this
//    process (maxWait ALERT_MAX_WAIT_MS, as a SIEM forwarder reads it) gets the
//    OPEN alert whose group key is the storm's subject.
import { setTimeout as sleep } from 'node:timers/promises';
import { ClickHouseStore, sql } from '@tokenwarden/clickhouse';
import { Alert, decode } from '@tokenwarden/events';
import { Consumer, Kafka } from 'kafkajs';

// ClickHouse 18.16 does not push a WHERE into the view's FINAL subquery
// (enable_optimize_predicate_expression is 0, and soc_analyst may not change
// settings), so every poll merges the whole table: ~60 ms of a core at 100k
// rows. Polled every 100 ms that took about half a core from the pipeline on
// 2 cores; every 250 ms it is a quarter, and a latency is at most 250 ms plus
// one poll late (never early).
export const VIEW_POLL_MS = 250;
const ALERT_MAX_WAIT_MS = 10;

interface Sample {
  scheduledAt: number;
  seenAt?: number;
}

export interface LatencySummary {
  /** Samples scheduled in the window. */
  samples: number;
  /** Of those, never seen (counted as infinitely late in the percentiles). */
  missing: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of the samples scheduled in [from, to); unseen ones rank last. */
function summarize(all: Iterable<Sample>, from: number, to: number): LatencySummary {
  const window = [...all].filter((s) => s.scheduledAt >= from && s.scheduledAt < to);
  const ms = window.map((s) => (s.seenAt === undefined ? Infinity : s.seenAt - s.scheduledAt)).sort((a, b) => a - b);
  const q = (p: number) => (ms.length === 0 ? NaN : Math.round(ms[Math.min(ms.length - 1, Math.ceil(p * ms.length) - 1)]));
  return { samples: ms.length, missing: window.filter((s) => s.seenAt === undefined).length, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: q(1) };
}

export class QueryableProbes {
  /** Duration of each analyst poll, ms: what the analyst's own queries cost while the pipeline runs. */
  readonly pollMs: number[] = [];
  private readonly probes = new Map<string, Sample>();
  private unseen = new Set<string>();
  private running = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly analyst: ClickHouseStore,
    private readonly database: string,
  ) {}

  add(eventId: string, scheduledAt: number): void {
    this.probes.set(eventId, { scheduledAt });
    this.unseen.add(eventId);
  }

  start(): void {
    this.running = true;
    const view = sql.identifier(`${this.database}.token_events_v`);
    this.loop = (async () => {
      while (this.running) {
        const at = performance.now();
        const wanted = [...this.unseen].filter((id) => this.probes.get(id)!.scheduledAt <= at);
        if (wanted.length > 0) {
          const rows = await this.analyst.query<{ event_id: string }>(`SELECT event_id FROM ${view} WHERE event_id IN (${wanted.map((id) => sql.string(id)).join(',')})`);
          this.pollMs.push(performance.now() - at);
          for (const { event_id } of rows) {
            const p = this.probes.get(event_id);
            if (p && p.seenAt === undefined) p.seenAt = at;
            this.unseen.delete(event_id);
          }
        }
        await sleep(Math.max(0, VIEW_POLL_MS - (performance.now() - at)));
      }
    })();
  }

  /** Probes scheduled before `before` not seen yet. */
  pending(before: number): number {
    return [...this.unseen].filter((id) => this.probes.get(id)!.scheduledAt < before).length;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  summary(from: number, to: number): LatencySummary {
    return summarize(this.probes.values(), from, to);
  }
}

export class AlertWatcher {
  private readonly storms = new Map<string, Sample>();
  /** Alert records seen on the topic, by rule id (OPEN and UPDATED versions). */
  readonly byRule: Record<string, number> = {};
  /** Distinct alert ids seen. */
  readonly ids = new Set<string>();
  private consumer?: Consumer;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly groupId: string,
  ) {}

  expect(subject: string, scheduledAt: number): void {
    this.storms.set(subject, { scheduledAt });
  }

  async start(): Promise<void> {
    this.consumer = this.kafka.consumer({ groupId: this.groupId, maxWaitTimeInMs: ALERT_MAX_WAIT_MS, minBytes: 1 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachBatch: async ({ batch }) => {
        const at = performance.now();
        for (const m of batch.messages) {
          const a = decode(m.value!).value as Alert;
          this.byRule[a.rule_id] = (this.byRule[a.rule_id] ?? 0) + 1;
          this.ids.add(a.alert_id);
          const storm = a.rule_id === 'reissue-per-subject' && a.status === 'OPEN' ? this.storms.get(a.group_key) : undefined;
          if (storm && storm.seenAt === undefined) storm.seenAt = at;
        }
      },
    });
  }

  pending(before: number): number {
    return [...this.storms.values()].filter((s) => s.scheduledAt < before && s.seenAt === undefined).length;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }

  summary(from: number, to: number): LatencySummary {
    return summarize(this.storms.values(), from, to);
  }
}
