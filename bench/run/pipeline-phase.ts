// Phase C, full pipeline (bench/pipeline): the sweep's outcome turned into
// report figures, the combined ceiling of the stages measured in phase A,
// and the report section that shows both.
import { availableParallelism } from 'node:os';
import { CPU_ROLES, CpuRole } from '../pipeline/cpu-sampler';
import { SweepResult, SweepSettings } from '../pipeline/sweep';
import { VIEW_POLL_MS } from '../pipeline/latency-sampler';
import { StepResult } from '../pipeline/step';
import { round } from './util';

export interface StageCeiling {
  /** Records (rows) per second. */
  value: number;
  /** Which measurement it is. */
  source: string;
}

/** The pipeline's stages as the tools of phase A measure them, on this machine, in this run. */
export type Stages = Partial<Record<'produce' | 'consume' | 'insert', StageCeiling>>;

/** Our own components' rates from phase B, each measured with the machine to itself. */
export type Components = Partial<Record<'producer' | 'projector' | 'detector', StageCeiling>>;

/** 1 / Σ 1/rate over all three, or undefined when one is missing. */
function serialRate(rates: Partial<Record<string, StageCeiling>>): number | undefined {
  const values = Object.values(rates).map((s) => s?.value ?? NaN);
  if (values.length < 3 || values.some((v) => !(v > 0))) return undefined;
  return round(1 / values.reduce((sum, v) => sum + 1 / v, 0));
}

/** 1 / Σ 1/ceiling: the rate if each record passed every stage in turn at that stage's ceiling. */
export const combinedCeiling = (stages: Stages): number | undefined => serialRate(stages);

/**
 * 1 / Σ 1/rate over our producer, projector and detector at their phase B
 * rates: what the pipeline would reach if they shared the cores with no loss
 * at all (no latency target, no contention). The sustained rate cannot be
 * expected above it.
 */
export const compositionBound = (components: Components): number | undefined => serialRate(components);

const ms = (n: number) => (Number.isFinite(n) ? `${n}` : n > 0 ? '∞' : '—');

function stepRow(r: StepResult, label: string): string {
  const lag = `${r.lag.projector.slopePerSecond} / ${r.lag.detector.slopePerSecond}`;
  const missing = r.queryableMs.missing + r.alertMs.missing;
  return `| ${label}${r.rate} | ${lag} | ${r.lagFlat ? 'yes' : 'no'} | ${ms(r.queryableMs.p50)} / ${ms(r.queryableMs.p99)} | ${ms(r.alertMs.p50)} / ${ms(r.alertMs.p99)} | ${missing} | ${r.load.publishErrors} | ${r.sustained ? '**held**' : 'no'} |`;
}

const cpuCell = (r: StepResult, role: CpuRole | 'total'): string => {
  const c = role === 'total' ? r.cpu?.total : r.cpu?.byRole[role];
  return c ? `${c.cores} / ${c.usPerEvent}` : '—';
};

/** Where the cores went in each step, and the rate the machine's cores would bound at that cost per event. */
function cpuSection(sweep: SweepResult): string[] {
  const all = [...sweep.steps, ...(sweep.atLoad ? [sweep.atLoad] : [])].filter((r) => r.cpu);
  if (all.length === 0) return [];
  const cores = availableParallelism();
  return [
    `CPU by process over each hold window (cores used / CPU µs per event; /proc). With ${cores} cores, a step's total µs per event bounds the rate at ${cores} × 10⁶ ÷ that figure, before any latency target:`,
    '',
    `| rate events/s | ${CPU_ROLES.join(' | ')} | total | bound by ${cores} cores, events/s |`,
    `| --- | ${CPU_ROLES.map(() => '---').join(' | ')} | --- | --- |`,
    ...all.map((r) => `| ${r.rate} | ${CPU_ROLES.map((role) => cpuCell(r, role)).join(' | ')} | ${cpuCell(r, 'total')} | ${Math.round((cores * 1e6) / r.cpu!.total.usPerEvent)} |`),
  ];
}

/** The report section: method, stage ceilings, every step, the run at load. */
export function pipelineSection(sweep: SweepResult, stages: Stages, components: Components, settings: SweepSettings): string[] {
  const combined = combinedCeiling(stages);
  const bound = compositionBound(components);
  const lines = [
    `Method: ${sweep.method}. A step holds when, over the hold window, the lag of both consumer groups (log end minus committed offset) has a least-squares slope ≤ ${settings.step.flatSlopeFraction * 100} % of the rate, the latency targets are met (p99 produce → queryable ≤ ${settings.step.queryableP99TargetMs} ms and produce → alert ≤ ${settings.step.alertP99TargetMs} ms, an event not seen within 5 s counting as infinitely late) and every record is acknowledged. Details: bench/pipeline/README.md.`,
    '',
    `Sustained rate: **${sweep.sustainedRate} events/s**${sweep.lowerBound ? ' (a lower bound: the highest rate tried held)' : ''}; highest step with flat lag regardless of latency: ${sweep.highestLagFlatRate} events/s.`,
    '',
    `Combined ceiling = 1 / Σ 1/stage ceiling over ${Object.keys(stages).length} stages: ${combined ?? '—'} events/s.`,
    '',
    '| stage | ceiling records/s | measured by |',
    '| --- | --- | --- |',
    ...Object.entries(stages).map(([k, s]) => `| ${k} | ${Math.round(s.value).toLocaleString('en-US')} | ${s.source} |`),
    '',
    `Composition bound = 1 / Σ 1/rate over our own components as phase B measured them, each with the machine to itself: ${bound ?? '—'} events/s${bound && combined ? `, ${round(bound / combined, 3)} of the combined ceiling` : ''}. It is the rate they would reach sharing the cores with no loss at all (no contention, no latency target), so the sustained rate cannot be expected above it.`,
    '',
    '| component | records/s | measured by |',
    '| --- | --- | --- |',
    ...Object.entries(components).map(([k, s]) => `| ${k} | ${Math.round(s.value).toLocaleString('en-US')} | ${s.source} |`),
    '',
    '| rate events/s | lag slope records/s (projector / detector) | lag flat | queryable p50 / p99 ms | alert p50 / p99 ms | missing | publish errors | result |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...sweep.steps.map((r) => stepRow(r, '')),
  ];
  if (sweep.atLoad) lines.push(stepRow(sweep.atLoad, `${Math.round(settings.loadFraction * 100)} %: `));
  lines.push('', ...cpuSection(sweep));
  const d = sweep.atLoad?.drained;
  if (d) {
    lines.push('', `After the run at ${Math.round(settings.loadFraction * 100)} %: both groups committed the log end ${d.seconds === null ? 'NOT within 120 s' : `${d.seconds} s after the load stopped`}; the analyst sees ${d.tokenEventsRows} of ${d.acked} acknowledged events in token_events_v and ${d.alertRows} alerts in alerts_v (${d.alertIds} distinct alert ids on the alerts topic); alerts by rule: ${JSON.stringify(sweep.atLoad!.alertsByRule)}.`);
  }
  return lines;
}

export interface PipelineFigures {
  /** By report key; undefined when there is no figure (see whyMissing). */
  values: Record<string, number | undefined>;
  whyMissing: Record<string, string>;
  notes: Record<string, string>;
}

/** The headline figures of phase C: sustained ÷ combined ceiling, end-to-end p99s at the load fraction. */
export function pipelineFigures(sweep: SweepResult, stages: Stages, components: Components, s: SweepSettings): PipelineFigures {
  const combined = combinedCeiling(stages);
  const bound = compositionBound(components);
  const stageList = Object.entries(stages).map(([k, v]) => `${k} ${Math.round(v.value)}/s`).join(', ');
  const f: PipelineFigures = {
    values: { pipelineSustainedVsCombinedCeiling: combined === undefined ? undefined : round(sweep.sustainedRate / combined, 3) },
    whyMissing: { pipelineSustainedVsCombinedCeiling: `stage ceilings missing (phases A and B measure them): have ${stageList || 'none'}` },
    notes: {
      pipelineSustainedVsCombinedCeiling: `sustained ${sweep.sustainedRate} events/s${sweep.lowerBound ? ' (lower bound)' : ''} (lag of both groups flat for ${s.step.holdSeconds} s, latency targets met) ÷ combined ceiling ${combined ?? '—'}/s = 1 / (Σ 1/ceiling over ${stageList}); highest flat-lag step ${sweep.highestLagFlatRate}/s; composition bound ${bound ?? '—'}/s${bound && combined ? ` (${round(bound / combined, 3)} of the combined ceiling)` : ''} = 1 / Σ 1/rate over our producer, projector and detector alone (phase B), the most the pipeline could sustain if they shared the cores without loss; ${sweep.method}`,
    },
  };
  const r = sweep.atLoad;
  if (!r) {
    for (const k of ['produceToQueryableP99Ms', 'produceToAlertP99Ms']) {
      f.values[k] = undefined;
      f.whyMissing[k] = `no rate held down to ${s.minRate} events/s, so there is no ${Math.round(s.loadFraction * 100)} % load to measure at (see the sweep)`;
    }
    return f;
  }
  const at = `full pipeline at ${r.rate} events/s (${Math.round(s.loadFraction * 100)} % of ${sweep.sustainedRate}), ${r.holdSeconds} s, from the scheduled send time`;
  const missing = (m: { missing: number; samples: number }, what: string) => `p99 not reached: ${m.missing} of ${m.samples} ${what} never seen within 5 s after the load (fails the target)`;
  f.values.produceToQueryableP99Ms = r.queryableMs.p99;
  f.whyMissing.produceToQueryableP99Ms = missing(r.queryableMs, 'probes');
  f.notes.produceToQueryableP99Ms = `${at} until soc_analyst sees the event_id in token_events FINAL, what token_events_v reads (polled every ${VIEW_POLL_MS} ms with the key-prefix conditions of a time-bounded query, so up to that much plus one poll late; the analyst query took ${r.analystPolls.medianMs} ms median, ${r.analystPolls.maxMs} ms max); p50 ${r.queryableMs.p50} ms, p90 ${r.queryableMs.p90} ms over ${r.queryableMs.samples} probes`;
  f.values.produceToAlertP99Ms = r.alertMs.p99;
  f.whyMissing.produceToAlertP99Ms = missing(r.alertMs, 'storms');
  f.notes.produceToAlertP99Ms = `${at} of the 20th issuance of a reissue storm (every ${s.step.mix.stormEveryMs} ms) until its OPEN reissue-per-subject alert is read from the alerts topic (consumer maxWait 10 ms); p50 ${r.alertMs.p50} ms, p90 ${r.alertMs.p90} ms over ${r.alertMs.samples} storms`;
  return f;
}
