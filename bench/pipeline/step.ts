// One step of the full-pipeline benchmark: a fresh pipeline (compiled
// projector and detector together), open-loop load at one rate for a warm-up
// and then a hold window, lag and latencies judged over the hold window only.
import { setTimeout as sleep } from 'node:timers/promises';
import { CpuBreakdown, CpuSampler, infraPids } from './cpu-sampler';
import { LagSampler, LagTrend } from './lag-sampler';
import { AlertWatcher, LatencySummary, QueryableProbes } from './latency-sampler';
import { LoadGenerator, LoadStats, wallMs } from './load-generator';
import { PipelineUnderTest } from './pipeline-under-test';
import { MixOptions, PROBE_TENANT_ID, TrafficMix } from './traffic-mix';

export interface StepSettings {
  warmupSeconds: number;
  holdSeconds: number;
  mix: MixOptions;
  /** Queryable probes per second of load (one event in rate / probesPerSecond). */
  probesPerSecond: number;
  /** Lag is flat when its slope over the hold window is at most this fraction of the rate. */
  flatSlopeFraction: number;
  queryableP99TargetMs: number;
  alertP99TargetMs: number;
}

export interface StepResult {
  rate: number;
  warmupSeconds: number;
  holdSeconds: number;
  load: LoadStats;
  lag: Record<'projector' | 'detector', LagTrend>;
  lagFlat: boolean;
  queryableMs: LatencySummary;
  alertMs: LatencySummary;
  /** The analyst's probe polls (token_events FINAL, as token_events_v reads it) during the step: count, median and max duration. */
  analystPolls: { count: number; medianMs: number; maxMs: number };
  latencyMet: boolean;
  /** Lag flat, latency targets met, every record acknowledged. */
  sustained: boolean;
  alertsByRule: Record<string, number>;
  /** CPU by process over the hold window (absent when the hold was cut short). */
  cpu?: CpuBreakdown;
  /** After the load: did both groups commit the log end, and what analysts then see. */
  drained?: { seconds: number | null; acked: number; tokenEventsRows: number; alertRows: number; alertIds: number };
}

/** How long after the hold the last probes and storms may still arrive; later counts as missing. */
const GRACE_MS = 5000;
const PROGRESS_MS = 5000;

/** Runs `rate` events/s on a fresh pipeline; with `drain`, waits for both consumers to finish and counts rows as analysts see them. */
export async function runStep(rate: number, s: StepSettings, progress: (line: string) => void, drain = false): Promise<StepResult> {
  const p = await PipelineUnderTest.start('bench_pipe');
  try {
    const gen = new LoadGenerator(p.producer, p.names.tokenEvents, new TrafficMix({ ...s.mix, probeEvery: Math.max(1, Math.round(rate / s.probesPerSecond)) }));
    const probes = new QueryableProbes(p.analyst, p.database);
    const alerts = new AlertWatcher(p.kafka, p.names.alerts, p.groups.alertWatcher);
    const lag = new LagSampler(p.admin, p.names.tokenEvents, { projector: p.groups.projector, detector: p.groups.detector });
    await alerts.start();
    probes.start();
    lag.start();
    const startAt = performance.now() + 100;
    const holdFrom = startAt + s.warmupSeconds * 1000;
    const holdTo = holdFrom + s.holdSeconds * 1000;
    const cpuSampler = new CpuSampler({ ...infraPids(), ...p.pids() });
    let cpu: CpuBreakdown | undefined;
    const cpuFrom = setTimeout(() => cpuSampler.start(), holdFrom - performance.now());
    const ticker = setInterval(() => {
      const now = performance.now();
      const phase = now < holdFrom ? 'warm-up' : `hold ${Math.round((now - holdFrom) / 1000)}/${s.holdSeconds} s`;
      const l = lag.latest();
      // Only what had time to arrive (the targets plus a margin), so the figures so far are not skewed by what is in flight.
      const q = probes.summary(startAt, now - 2 * s.queryableP99TargetMs);
      const a = alerts.summary(startAt, now - 10 * s.alertP99TargetMs);
      progress(`  ${rate}/s ${phase}: handed ${gen.stats.handed}, acked ${gen.stats.acked}; lag projector ${l.projector} detector ${l.detector}; so far queryable p50/p99 ${q.p50}/${q.p99} ms, alert p50/p99 ${a.p50}/${a.p99} ms${p.dead() ? `; ${p.dead()} DIED` : ''}`);
    }, PROGRESS_MS);
    try {
      await gen.run(rate, s.warmupSeconds + s.holdSeconds, startAt, (e, at) => {
        if (e.crossesStorm) alerts.expect(e.crossesStorm, at);
        else if (e.probe) probes.add(e.id, at, { tenantId: PROBE_TENANT_ID, eventType: e.type, eventTimeMs: wallMs(at) });
      });
      cpu = cpuSampler.stop(rate);
      const graceEnd = performance.now() + GRACE_MS;
      while (performance.now() < graceEnd && probes.pending(holdTo) + alerts.pending(holdTo) > 0) await sleep(50);
    } finally {
      clearInterval(ticker);
      clearTimeout(cpuFrom);
      await Promise.all([lag.stop(), probes.stop()]);
    }
    p.assertAlive();
    const drained = drain ? await drainAndCount(p, lag, alerts, gen.stats.acked) : undefined;
    await alerts.stop();
    const trend = { projector: lag.trend('projector', holdFrom, holdTo), detector: lag.trend('detector', holdFrom, holdTo) };
    const lagFlat = Object.values(trend).every((t) => t.slopePerSecond <= s.flatSlopeFraction * rate);
    const queryableMs = probes.summary(holdFrom, holdTo);
    const alertMs = alerts.summary(holdFrom, holdTo);
    const latencyMet = queryableMs.p99 <= s.queryableP99TargetMs && alertMs.p99 <= s.alertP99TargetMs;
    const sustained = lagFlat && latencyMet && gen.stats.publishErrors === 0;
    return {
      rate, warmupSeconds: s.warmupSeconds, holdSeconds: s.holdSeconds, load: gen.stats, lag: trend, lagFlat,
      queryableMs, alertMs, analystPolls: pollStats(probes.pollMs), latencyMet, sustained, alertsByRule: alerts.byRule, drained, cpu,
    };
  } finally {
    await p.stop();
  }
}

async function drainAndCount(p: PipelineUnderTest, lag: LagSampler, alerts: AlertWatcher, acked: number): Promise<StepResult['drained']> {
  const t0 = performance.now();
  let seconds: number | null = null;
  while (performance.now() - t0 < 120_000) {
    const l = await lag.lagNow();
    if (l.projector === 0 && l.detector === 0) {
      seconds = Math.round((performance.now() - t0) / 100) / 10;
      break;
    }
    await sleep(200);
  }
  // The projector also lands the detector's alerts: give the last ones a moment.
  const alertsBy = performance.now() + 15_000;
  while (performance.now() < alertsBy && (await p.analystCount('alerts_v')) < alerts.ids.size) await sleep(200);
  return { seconds, acked, tokenEventsRows: await p.analystCount('token_events_v'), alertRows: await p.analystCount('alerts_v'), alertIds: alerts.ids.size };
}

function pollStats(ms: number[]): StepResult['analystPolls'] {
  const sorted = [...ms].sort((a, b) => a - b);
  return { count: ms.length, medianMs: Math.round(sorted[Math.floor(sorted.length / 2)] ?? NaN), maxMs: Math.round(sorted[sorted.length - 1] ?? NaN) };
}
