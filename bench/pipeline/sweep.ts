// Phase C, the full pipeline: an open-loop rate sweep for the sustained rate,
// then end-to-end latencies at a fraction (70 %) of it. Method and
// definitions: bench/pipeline/README.md.
import { runStep, StepResult, StepSettings } from './step';

export interface SweepSettings {
  step: StepSettings;
  /** First rate tried, events/s. */
  startRate: number;
  /** Rates grow (or shrink, when the first fails) by this factor until the outcome flips, */
  factor: number;
  /** then this many bisections between the highest pass and the lowest fail. */
  bisections: number;
  minRate: number;
  maxRate: number;
  /** Latency is measured at this fraction of the sustained rate. */
  loadFraction: number;
}

export interface SweepResult {
  method: string;
  steps: StepResult[];
  /** Highest rate that held (lag flat for the hold window, latency targets met); 0 if none did. */
  sustainedRate: number;
  /** True when even maxRate held: the sustained rate is then a lower bound. */
  lowerBound: boolean;
  /** Highest step whose lag stayed flat, latency aside (for reading the latency limits apart from throughput). */
  highestLagFlatRate: number;
  /** The run at loadFraction × sustainedRate (absent when nothing held). */
  atLoad?: StepResult;
}

const roundRate = (r: number): number => Math.max(10, Math.round(r / 10) * 10);

export async function pipelineSweep(s: SweepSettings, progress: (line: string) => void): Promise<SweepResult> {
  const steps: StepResult[] = [];
  const held = async (rate: number): Promise<boolean> => {
    progress(`phase C sweep step ${steps.length + 1}: ${rate} events/s (${s.step.warmupSeconds} s warm-up, ${s.step.holdSeconds} s hold)`);
    const r = await runStep(rate, s.step, progress);
    steps.push(r);
    progress(`phase C sweep ${rate}/s: ${r.sustained ? 'HELD' : 'did not hold'}; lag slope projector ${r.lag.projector.slopePerSecond}/s detector ${r.lag.detector.slopePerSecond}/s (flat ≤ ${Math.round(s.step.flatSlopeFraction * rate)}/s); queryable p99 ${r.queryableMs.p99} ms (${r.queryableMs.missing}/${r.queryableMs.samples} missing), alert p99 ${r.alertMs.p99} ms (${r.alertMs.missing}/${r.alertMs.samples} missing); publish errors ${r.load.publishErrors}`);
    return r.sustained;
  };

  let pass: number | undefined;
  let fail: number | undefined;
  let rate = roundRate(s.startRate);
  if (await held(rate)) pass = rate;
  else fail = rate;
  // Bracket: geometric steps away from the start (up if it held, down if not) until the outcome flips or a bound is reached.
  const up = pass !== undefined;
  while (pass === undefined || fail === undefined) {
    const next = roundRate(up ? rate * s.factor : rate / s.factor);
    if (next > s.maxRate || next < s.minRate) break;
    rate = next;
    if (await held(rate)) pass = rate;
    else fail = rate;
  }
  for (let k = 0; k < s.bisections && pass !== undefined && fail !== undefined && fail - pass > 20; k += 1) {
    const mid = roundRate((pass + fail) / 2);
    if (await held(mid)) pass = mid;
    else fail = mid;
  }

  const sustainedRate = pass ?? 0;
  const result: SweepResult = {
    method: `open-loop steps: start ${roundRate(s.startRate)}/s, ×${s.factor} (÷ when the start fails) until the outcome flips, then ${s.bisections} bisection(s); each step a fresh pipeline, ${s.step.warmupSeconds} s warm-up + ${s.step.holdSeconds} s hold`,
    steps,
    sustainedRate,
    lowerBound: fail === undefined,
    highestLagFlatRate: Math.max(0, ...steps.filter((r) => r.lagFlat).map((r) => r.rate)),
  };
  if (sustainedRate > 0) {
    const loadRate = roundRate(s.loadFraction * sustainedRate);
    progress(`phase C latency at ${Math.round(s.loadFraction * 100)} % of ${sustainedRate}/s = ${loadRate} events/s`);
    result.atLoad = await runStep(loadRate, s.step, progress, true);
    const r = result.atLoad;
    progress(`phase C at ${loadRate}/s: produce → queryable p50 ${r.queryableMs.p50} p99 ${r.queryableMs.p99} ms, produce → alert p50 ${r.alertMs.p50} p99 ${r.alertMs.p99} ms; drained ${JSON.stringify(r.drained)}`);
  }
  return result;
}
