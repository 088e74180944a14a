// Phases B and C through the component benchmarks that already exist: each
// runs as its own process (as documented in its README) and writes a JSON
// report to bench/out/, which is read back here. Nothing is re-implemented:
// bench/projector/drain-rate.ts, bench/detector/throughput.ts,
// bench/projector/latency.ts and bench/detector/latency.ts own their method.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runChild } from './util';

const REGISTER = {
  projector: './scripts/ts-register.js',
  detector: './scripts/ts-register.js',
};

export const scriptExists = (script: string): boolean => existsSync(join(ROOT, script));

/** Runs a component benchmark and returns its JSON report (the path it prints on its last lines). */
export async function runComponentBench(label: string, register: keyof typeof REGISTER, script: string, env: Record<string, string>, timeoutMs: number): Promise<Record<string, unknown>> {
  const r = await runChild(label, process.execPath, ['-r', REGISTER[register], script], { env, timeoutMs });
  const m = /(\S*bench\/out\/\S+\.json)/.exec(r.stdout.split('\n').reverse().find((l) => /bench\/out\/\S+\.json/.test(l)) ?? '');
  if (!m) throw new Error(`${script} exited ${r.code} without a report: ${r.stderr.slice(-400)}`);
  const path = m[1].startsWith('/') ? m[1] : join(ROOT, m[1]);
  return { ...(JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>), reportPath: path, exitCode: r.code, wallMs: r.ms };
}

/** A number at `path` (dot-separated) in a report, or undefined. */
export function numberAt(report: Record<string, unknown>, path: string): number | undefined {
  let v: unknown = report;
  for (const k of path.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
