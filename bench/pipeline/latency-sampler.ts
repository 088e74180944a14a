// End-to-end latencies, each from the scheduled send time of an event:
//  - produce → queryable: probe events (one in `sampleEvery`) are looked up by
//    event_id as soc_analyst in what the analyst view token_events_v reads
//    (token_events FINAL, see below) every VIEW_POLL_MS; an event is queryable
//    at the start of the first poll that returns it (at most VIEW_POLL_MS late).
//  - produce → alert: the issuance that crosses reissue-per-subject's threshold
//    in a storm; the alert arrives when a consumer of the alerts topic in this
//    process (maxWait ALERT_MAX_WAIT_MS, as a SIEM forwarder reads it) gets the
//    OPEN alert whose group key is the storm's subject.
import { setTimeout as sleep } from 'node:timers/promises';
import { ClickHouseStore, sql } from '@tokenwarden/clickhouse';
import { Alert, decode } from '@tokenwarden/events';
import { Consumer, Kafka } from 'kafkajs';

// What the analyst view token_events_v shows is `token_events FINAL`. A
// probe through the view with only `event_id IN (...)` made ClickHouse 18.16
// merge the whole table on every poll (it does not push a WHERE into a view,
// and soc_analyst may not change settings): 190-270 ms of a core per poll at
// 500 000 rows, growing with the table, an instrument that loaded the pipeline
// it measured. The probe reads the view's own SELECT (same table, same FINAL,
// so exactly the view's visibility) with the key-prefix conditions a
// time-bounded analyst query carries (tenant, event type, event time). The
// probes are events of their own tenant (traffic-mix.ts PROBE_TENANT_ID), so
// the primary index leaves only their granules to read and merge: with the
// mix's tenant, every poll read the whole hour of the table. A latency is at
// most one poll interval late, never early.
export const VIEW_POLL_MS = 100;
const ALERT_MAX_WAIT_MS = 10;

interface Sample {
  scheduledAt: number;
  seenAt?: number;
}

/** A sampled event: where it sits in token_events' sorting key. */
interface Probe extends Sample {
  tenantId: string;
  eventType: string;
  /** event_time, wall-clock ms. */
  eventTimeMs: number;
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
  private readonly probes = new Map<string, Probe>();
  private unseen = new Set<string>();
  private running = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly analyst: ClickHouseStore,
    private readonly database: string,
  ) {}

  add(eventId: string, scheduledAt: number, key: { tenantId: string; eventType: string; eventTimeMs: number }): void {
    this.probes.set(eventId, { scheduledAt, ...key });
    this.unseen.add(eventId);
  }

  start(): void {
    this.running = true;
    const table = sql.identifier(`${this.database}.token_events`);
    this.loop = (async () => {
      while (this.running) {
        const at = performance.now();
        const wanted = [...this.unseen].map((id) => ({ id, p: this.probes.get(id)! })).filter((w) => w.p.scheduledAt <= at);
        if (wanted.length > 0) {
          const list = (values: Iterable<string>) => [...new Set(values)].map((v) => sql.string(v)).join(',');
          const fromSeconds = Math.floor(Math.min(...wanted.map((w) => w.p.eventTimeMs)) / 1000);
          const rows = await this.analyst.query<{ event_id: string }>(`SELECT event_id FROM ${table} FINAL ` +
            `WHERE tenant_id IN (${list(wanted.map((w) => w.p.tenantId))}) AND event_type IN (${list(wanted.map((w) => w.p.eventType))}) ` +
            `AND event_time >= toDateTime(${fromSeconds}) AND event_id IN (${list(wanted.map((w) => w.id))})`);
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
