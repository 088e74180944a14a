// Produce-to-queryable latency of the projector (issue 4, part 4), at 70 % of
// the sustained rate. Target: p99 <= 1.5 s.
//
//  1. Sustained rate: an open-loop producer (events scheduled at fixed times,
//     whatever the acknowledgements do) runs steps of increasing rate against
//     the real projector process; a step is sustained when the backlog
//     (acknowledged minus landed) does not grow over the step and drains
//     within TAIL_LIMIT_MS after it. The sustained rate is the last step that
//     held before the first that did not.
//  2. Latency: a fresh pipeline (topics, database, projector) at 70 % of that
//     rate for BENCH_LATENCY_SECONDS. One event in BENCH_SAMPLE_EVERY is a
//     probe: its produce time is its scheduled send time (so producer delays
//     count), and it is queryable at the start of the first poll that returns
//     it. ClickHouse DateTime has one-second resolution, so visibility is
//     polled per event id from this process, by two independent pollers:
//     through the analyst view token_events_v as soc_analyst every
//     VIEW_POLL_MS (the headline: what an analyst can see), and on
//     token_events every POLL_MS (finer: a row there is in the view at once,
//     the view is FINAL over the table and materializes nothing, but the
//     view's query is dearer and so polled less often). Each latency is an
//     upper bound (start of the first poll that saw the id); the lower bound
//     (start of the last poll that missed it) is reported too. The pollers run
//     in both phases, so their load is part of the capacity.
//     The phase runs in segments of BENCH_SEGMENT_SECONDS; with
//     BENCH_BASELINE_DIR (another checkout, see drain-rate.ts) the baseline
//     projector gets the same rate in segments interleaved with ours, on its
//     own pipeline, so both see the same spells of the shared machine.
//  3. A trickle (BENCH_LOW_RATE events/s, every event a probe): there the
//     fetch waits TW_PROJECTOR_MAX_WAIT_MS for TW_PROJECTOR_MIN_BYTES that
//     never come, which is the other side of the batching trade-off.
//
//   node -r ./scripts/ts-register.js bench/projector/latency.ts
//
// Environment: BENCH_START_RATE (4000 events/s), BENCH_STEP_SECONDS (8),
// BENCH_LATENCY_SECONDS (30), BENCH_SEGMENT_SECONDS (10), BENCH_SAMPLE_EVERY
// (50), BENCH_LOW_RATE (100), BENCH_RATE (skip the search and use this
// sustained rate), BENCH_BASELINE_DIR, BENCH_VARIANTS (JSON: name -> TW_PROJECTOR_*
// settings, each measured like the baseline), TW_ANALYST_PASSWORD (analyst), and
// TW_PROJECTOR_* for the projector. Writes bench/out/projector-latency-*.json.
import { setTimeout as sleep } from 'node:timers/promises';
import { cpus, loadavg } from 'node:os';
import { ClickHouseStore, sql } from '@tokenwarden/clickhouse';
import { loadInfraConfig } from '@tokenwarden/config';
import { tokenEvent, TestEvent } from '../../test/projector/support/events';
import { Pipeline } from '../../test/projector/support/pipeline';
import { CompiledProjector } from './compiled-projector';
import { benchProjectorEnv, cpuPressure, peakRssMiB, quantile, round, writeReport } from './bench-support';

const START_RATE = Number(process.env.BENCH_START_RATE ?? 4000);
const RATE_FACTOR = 1.25;
const STEP_SECONDS = Number(process.env.BENCH_STEP_SECONDS ?? 8);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 30);
const SAMPLE_EVERY = Number(process.env.BENCH_SAMPLE_EVERY ?? 50);
const SEGMENT_SECONDS = Number(process.env.BENCH_SEGMENT_SECONDS ?? 10);
const LOW_RATE = Number(process.env.BENCH_LOW_RATE ?? 100);
const LOAD_FRACTION = 0.7;
const TARGET_P99_MS = 1500;
const POLL_MS = 25;
const VIEW_POLL_MS = 100;
const TICK_MS = 5;
/** A sustained step leaves a backlog that drains within this after the producer stops. */
const TAIL_LIMIT_MS = 2000;
/** ... and its backlog grows by less than this many seconds of production between the first and last third. */
const GROWTH_LIMIT_SECONDS = 0.25;

interface Probe {
  id: string;
  scheduledAt: number;
  lastMissAt: number;
  viewLastMissAt: number;
  seenAt?: number;
  viewSeenAt?: number;
}

interface RunResult {
  rate: number;
  seconds: number;
  scheduled: number;
  acked: number;
  achievedRate: number;
  /** Backlog (acknowledged - landed) growth from the first to the last third, in seconds of production. */
  growthSeconds: number;
  maxBacklog: number;
  tailMs: number;
  sustained: boolean;
  latencyMs: LatencySummary;
  viewLatencyMs: LatencySummary;
  lowerBoundLatencyMs: LatencySummary;
  viewLowerBoundLatencyMs: LatencySummary;
}

/** Latencies (ms) of the probes: first seen in token_events, first seen through the view, last missed in token_events. */
interface Samples {
  table: number[];
  view: number[];
  lowerBound: number[];
  viewLowerBound: number[];
}

interface LatencySummary {
  probes: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

const summary = (xs: number[]): LatencySummary =>
  xs.length === 0
    ? { probes: 0, p50: NaN, p90: NaN, p99: NaN, max: NaN }
    : { probes: xs.length, p50: Math.round(quantile(xs, 0.5)), p90: Math.round(quantile(xs, 0.9)), p99: Math.round(quantile(xs, 0.99)), max: Math.round(Math.max(...xs)) };

const withoutSamples = (r: RunResult & { samples: Samples }): RunResult => {
  const copy: Partial<typeof r> = { ...r };
  delete copy.samples;
  return copy as RunResult;
};

/** One pipeline with its projector process and the analyst's own connection. */
class Stage {
  private constructor(
    readonly t: Pipeline,
    readonly projector: CompiledProjector,
    readonly analyst: ClickHouseStore,
  ) {}

  static async create(label: string, root?: string, env: Record<string, string> = {}): Promise<Stage> {
    const t = await Pipeline.create(label);
    // Pipeline stops merges for the fault tests' negative controls; a projector
    // in service has them, and without them parts pile up until ClickHouse
    // delays inserts (parts_to_delay_insert).
    for (const table of ['token_events', 'alerts']) await t.store.command(`SYSTEM START MERGES ${sql.identifier(`${t.database}.${table}`)}`);
    const projector = await CompiledProjector.start(benchProjectorEnv(t.projectorEnv(), env), { root });
    const infra = loadInfraConfig(process.env);
    const analyst = new ClickHouseStore({ url: infra.TW_CLICKHOUSE_URL, user: 'soc_analyst', password: process.env.TW_ANALYST_PASSWORD ?? 'analyst' });
    const stage = new Stage(t, projector, analyst);
    await stage.run(2000, 2, 1); // warm-up: group joined, first inserts done
    return stage;
  }

  async landed(): Promise<number> {
    const table = sql.identifier(`${this.t.database}.token_events`);
    return Number((await this.t.store.query<{ n: string }>(`SELECT toString(count()) AS n FROM ${table}`))[0].n);
  }

  /** Produces open-loop at `rate` events/s for `seconds`, probing one event in `sampleEvery`. */
  async run(rate: number, seconds: number, sampleEvery: number): Promise<RunResult & { samples: Samples }> {
    const total = Math.round(rate * seconds);
    const events: TestEvent[] = Array.from({ length: total }, (_, i) => tokenEvent(i));
    const landedBefore = await this.landed();
    const probes: Probe[] = [];
    let acked = 0;
    let failed: unknown;
    const backlog: Array<{ at: number; n: number }> = [];
    const start = performance.now() + 50;
    let sent = 0;
    let producing = true;

    const pollDeadline = performance.now() + (seconds + 180) * 1000;
    const pollers = this.pollers(probes, () => performance.now() < pollDeadline && (producing || probes.some((p) => p.viewSeenAt === undefined)));
    const sampler = (async () => {
      while (producing) {
        backlog.push({ at: performance.now() - start, n: acked - ((await this.landed()) - landedBefore) });
        await sleep(100);
      }
    })();
    while (sent < total) {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - start) / 1000) * rate));
      if (due > sent) {
        const batch = events.slice(sent, due);
        for (let i = sent; i < due; i += 1) {
          if (i % sampleEvery === 0) {
            const at = start + (i / rate) * 1000;
            probes.push({ id: events[i].id, scheduledAt: at, lastMissAt: at, viewLastMissAt: at });
          }
        }
        sent = due;
        this.t.producer
          .publishAll(batch.map((e) => ({ topic: this.t.names.tokenEvents, key: e.key, value: e.value })))
          .then(() => (acked += batch.length), (err: unknown) => (failed = err));
      }
      await sleep(TICK_MS);
    }
    const producedMs = performance.now() - start;
    await this.t.producer.flush();
    while (acked < total && failed === undefined) await sleep(5);
    if (failed) throw failed;
    const stoppedAt = performance.now();
    producing = false;
    await sampler;
    while ((await this.landed()) - landedBefore < total) {
      if (performance.now() - stoppedAt > 120_000) throw new Error(`only ${(await this.landed()) - landedBefore}/${total} events landed`);
      await sleep(10);
    }
    const tailMs = performance.now() - stoppedAt;
    await pollers;

    const third = backlog.filter((b) => b.at > 1000);
    const k = Math.max(1, Math.floor(third.length / 3));
    const mean = (xs: typeof backlog) => xs.reduce((a, b) => a + b.n, 0) / Math.max(1, xs.length);
    const growthSeconds = (mean(third.slice(-k)) - mean(third.slice(0, k))) / rate;
    const seen = probes.filter((p) => p.seenAt !== undefined);
    const samples: Samples = {
      table: seen.map((p) => p.seenAt! - p.scheduledAt),
      view: probes.filter((p) => p.viewSeenAt !== undefined).map((p) => p.viewSeenAt! - p.scheduledAt),
      lowerBound: seen.map((p) => p.lastMissAt - p.scheduledAt),
      viewLowerBound: probes.filter((p) => p.viewSeenAt !== undefined).map((p) => p.viewLastMissAt - p.scheduledAt),
    };
    return {
      samples,
      rate: Math.round(rate),
      seconds,
      scheduled: total,
      acked,
      achievedRate: Math.round(total / (producedMs / 1000)),
      growthSeconds: round(growthSeconds, 3),
      maxBacklog: Math.max(0, ...backlog.map((b) => b.n)),
      tailMs: Math.round(tailMs),
      sustained: growthSeconds <= GROWTH_LIMIT_SECONDS && tailMs <= TAIL_LIMIT_MS,
      latencyMs: summary(samples.table),
      viewLatencyMs: summary(samples.view),
      lowerBoundLatencyMs: summary(samples.lowerBound),
      viewLowerBoundLatencyMs: summary(samples.viewLowerBound),
    };
  }

  /** Polls probe visibility on the table (fine) and through the analyst view (coarse) while `active()`. */
  private async pollers(probes: Probe[], active: () => boolean): Promise<void> {
    const table = sql.identifier(`${this.t.database}.token_events`);
    const view = sql.identifier(`${this.t.database}.token_events_v`);
    const poll = async (intervalMs: number, pick: (now: number) => Probe[], query: (ids: string) => Promise<Set<string>>, mark: (p: Probe, hit: boolean, at: number) => void) => {
      while (active()) {
        const at = performance.now();
        const wanted = pick(at);
        if (wanted.length > 0) {
          const hits = await query(wanted.map((p) => sql.string(p.id)).join(','));
          for (const p of wanted) mark(p, hits.has(p.id), at);
        }
        await sleep(Math.max(0, intervalMs - (performance.now() - at)));
      }
    };
    const ids = async (store: ClickHouseStore, select: string) => new Set((await store.query<{ event_id: string }>(select)).map((r) => r.event_id));
    await Promise.all([
      poll(
        POLL_MS,
        (now) => probes.filter((p) => p.seenAt === undefined && p.scheduledAt <= now),
        (list) => ids(this.t.store, `SELECT event_id FROM ${table} WHERE event_id IN (${list})`),
        (p, hit, at) => (hit ? (p.seenAt = at) : (p.lastMissAt = at)),
      ),
      poll(
        VIEW_POLL_MS,
        (now) => probes.filter((p) => p.viewSeenAt === undefined && p.scheduledAt <= now),
        (list) => ids(this.analyst, `SELECT event_id FROM ${view} WHERE event_id IN (${list})`),
        (p, hit, at) => (hit ? (p.viewSeenAt = at) : (p.viewLastMissAt = at)),
      ),
    ]);
  }

  async close(): Promise<{ peakRssMiB: number | undefined; inserts: number; rowsInserted: number }> {
    const stats = {
      peakRssMiB: peakRssMiB(this.projector.pid),
      inserts: await this.projector.metric('tw_projector_insert_duration_seconds_count'),
      rowsInserted: await this.projector.metric('tw_projector_rows_inserted_total'),
    };
    await this.projector.kill('SIGTERM');
    await this.analyst.close();
    await this.t.teardown();
    return stats;
  }
}

async function findSustainedRate(): Promise<{ rate: number; steps: RunResult[]; projector: Awaited<ReturnType<Stage['close']>> }> {
  const stage = await Stage.create('bench_latency_search');
  const steps: RunResult[] = [];
  const searching = (async () => {
    for (let rate = START_RATE; ; rate *= RATE_FACTOR) {
      const step = withoutSamples(await stage.run(rate, STEP_SECONDS, SAMPLE_EVERY));
      steps.push(step);
      console.log(`step ${JSON.stringify(step)}`);
      if (!step.sustained || step.achievedRate < 0.95 * step.rate) return;
    }
  })();
  await searching.catch(async (err: unknown) => {
    await stage.close();
    throw err;
  });
  const projector = await stage.close();
  const held = steps.filter((s, i) => s.sustained && steps.slice(0, i).every((p) => p.sustained));
  if (held.length === 0) throw new Error(`not even ${START_RATE} events/s was sustained; lower BENCH_START_RATE`);
  return { rate: held[held.length - 1].rate, steps, projector };
}

/**
 * The projectors measured (same rate, segments interleaved): this checkout,
 * a baseline checkout (BENCH_BASELINE_DIR), and any variants of this one with
 * other settings (BENCH_VARIANTS='{"wait250":{"TW_PROJECTOR_MAX_WAIT_MS":"250"}}').
 */
const VARIANTS: Record<string, { root?: string; env?: Record<string, string> }> = {
  projector: {},
  ...(process.env.BENCH_BASELINE_DIR ? { baseline: { root: process.env.BENCH_BASELINE_DIR } } : {}),
  ...Object.fromEntries(Object.entries(JSON.parse(process.env.BENCH_VARIANTS ?? '{}') as Record<string, Record<string, string>>).map(([k, env]) => [k, { env }])),
};

interface VariantLatency {
  /** Pooled over the segments of this variant. */
  latencyMs: LatencySummary;
  viewLatencyMs: LatencySummary;
  lowerBoundLatencyMs: LatencySummary;
  viewLowerBoundLatencyMs: LatencySummary;
  sustained: boolean;
  segments: RunResult[];
  /** A trickle (LOW_RATE events/s, pooled): the fetch waits TW_PROJECTOR_MAX_WAIT_MS for MIN_BYTES that never come. */
  lowRate: ReturnType<typeof summaries> & { segments: RunResult[] };
  projector: Awaited<ReturnType<Stage['close']>>;
}

async function measureLatency(rate: number): Promise<Record<string, VariantLatency>> {
  const stages: Record<string, Stage> = {};
  const variants = Object.keys(VARIANTS);
  try {
    for (const v of variants) stages[v] = await Stage.create(`bench_latency_${v}`, VARIANTS[v].root, VARIANTS[v].env);
    const segments = Math.max(1, Math.round(LATENCY_SECONDS / SEGMENT_SECONDS));
    const main = await interleaved(stages, segments, 'segment', (stage) => stage.run(rate, LATENCY_SECONDS / segments, SAMPLE_EVERY));
    const trickle = await interleaved(stages, segments, 'low rate', (stage) => stage.run(LOW_RATE, SEGMENT_SECONDS / 2, 1));
    const out: Record<string, VariantLatency> = {};
    for (const v of variants) {
      out[v] = {
        ...summaries(main[v].samples),
        sustained: main[v].segments.every((s) => s.sustained),
        segments: main[v].segments,
        lowRate: { ...summaries(trickle[v].samples), segments: trickle[v].segments },
        projector: await stages[v].close(),
      };
      delete stages[v];
    }
    return out;
  } finally {
    for (const stage of Object.values(stages)) await stage.close().catch(() => undefined);
  }
}

/** Runs `segments` rounds, each variant once per round in rotating order, so all see the same spells of a shared machine. */
async function interleaved(
  stages: Record<string, Stage>,
  segments: number,
  label: string,
  run: (stage: Stage) => Promise<RunResult & { samples: Samples }>,
): Promise<Record<string, { samples: Samples; segments: RunResult[] }>> {
  const variants = Object.keys(stages);
  const pooled = Object.fromEntries(variants.map((v) => [v, { samples: { table: [], view: [], lowerBound: [], viewLowerBound: [] } as Samples, segments: [] as RunResult[] }]));
  for (let seg = 0; seg < segments; seg += 1) {
    for (let i = 0; i < variants.length; i += 1) {
      const v = variants[(i + seg) % variants.length];
      const r = await run(stages[v]);
      const result = withoutSamples(r);
      console.log(`${v} ${label} ${seg + 1}/${segments}: ${JSON.stringify(result)}`);
      pooled[v].segments.push(result);
      for (const k of ['table', 'view', 'lowerBound', 'viewLowerBound'] as const) pooled[v].samples[k].push(...r.samples[k]);
    }
  }
  return pooled;
}

const summaries = (s: Samples) => ({
  latencyMs: summary(s.table),
  viewLatencyMs: summary(s.view),
  lowerBoundLatencyMs: summary(s.lowerBound),
  viewLowerBoundLatencyMs: summary(s.viewLowerBound),
});

async function main(): Promise<void> {
  const pressureBefore = cpuPressure();
  const search = process.env.BENCH_RATE ? undefined : await findSustainedRate();
  const sustainedRate = search?.rate ?? Number(process.env.BENCH_RATE);
  const rate = Math.round(sustainedRate * LOAD_FRACTION);
  console.log(`sustained ${sustainedRate} events/s; measuring latency at ${rate} events/s for ${LATENCY_SECONDS} s`);
  const latency = await measureLatency(rate);
  const env = benchProjectorEnv({});
  const report = {
    at: new Date().toISOString(),
    cpus: cpus().length,
    loadAverage: loadavg().map((l) => round(l, 2)),
    cpuPressure: { before: pressureBefore, after: cpuPressure() },
    projectorSettings: Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('TW_PROJECTOR_'))),
    variants: VARIANTS,
    method: {
      openLoop: true,
      stepSeconds: STEP_SECONDS,
      rateFactor: RATE_FACTOR,
      sampleEvery: SAMPLE_EVERY,
      pollMs: POLL_MS,
      viewPollMs: VIEW_POLL_MS,
      segmentSeconds: SEGMENT_SECONDS,
      lowRate: LOW_RATE,
    },
    sustainedRate,
    loadFraction: LOAD_FRACTION,
    rate,
    /** This checkout's projector (latency.latencyMs.p99 is the headline). */
    latency: latency.projector,
    /** The baseline and other variants, measured in segments interleaved with it. */
    compared: Object.fromEntries(Object.entries(latency).filter(([v]) => v !== 'projector')),
    target: { p99Ms: TARGET_P99_MS },
    pass: latency.projector.viewLatencyMs.p99 <= TARGET_P99_MS && latency.projector.sustained,
    search,
  };
  const brief = Object.fromEntries(
    Object.entries(latency).map(([v, l]) => [
      v,
      { viewLatencyMs: l.viewLatencyMs, latencyMs: l.latencyMs, sustained: l.sustained, lowRateViewMs: l.lowRate.viewLatencyMs, lowRateMs: l.lowRate.latencyMs },
    ]),
  );
  console.log(JSON.stringify({ sustainedRate, rate, ...brief }, null, 2));
  console.log(`written to ${writeReport('projector-latency', report)}`);
  process.exitCode = report.pass ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 2;
});
