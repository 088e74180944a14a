// Memory per tracked key of the detector (issue 5, part 4): one million
// distinct subjects in the window of `reissue-per-subject`, each with one
// TokenIssued, through the real DetectionEngine. Counted: V8 heap (Map,
// key strings, incident objects) plus array buffers (the typed-array slots),
// after a full GC, minus the same before. Target: <= 300 bytes per key.
//
//   node --expose-gc -r ./scripts/ts-register.js bench/detector/memory-per-key.ts
//
// Environment: BENCH_KEYS (default 1 000 000), BENCH_RULE (default reissue-per-subject).
import { join } from 'node:path';
import { loadPolicyFile } from '@tokenwarden/policy';
import { DetectionEngine } from '../../apps/detector/src/engine/detection-engine';
import { loadRuleFile } from '../../apps/detector/src/rules/parse-rules';
import { issuedEvent, round, subjectRefOf, writeReport } from './bench-events';

const KEYS = Number(process.env.BENCH_KEYS ?? 1_000_000);
const RULE = process.env.BENCH_RULE ?? 'reissue-per-subject';
const TARGET = 300;
const ROOT = join(__dirname, '../..');

function measure(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run node with --expose-gc');
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function main(): void {
  const all = loadRuleFile(join(ROOT, 'config/detection-rules.json'));
  const rule = all.rules.find((r) => r.id === RULE);
  if (!rule) throw new Error(`no rule ${RULE}`);
  const t0 = Date.UTC(2025, 0, 1);
  // Each event carries a fresh subject ref (64 hex chars), as decoding does: the Map keeps it, so it counts.
  const before = measure();
  const engine = new DetectionEngine({
    rules: { ...all, rules: [rule] }, policy: loadPolicyFile(join(ROOT, 'config/policy.json')),
    producer: { service: 'detector', instance: 'bench', version: '0' }, maxKeysPerRule: KEYS, now: () => t0 + 86400_000,
  });
  const started = process.hrtime.bigint();
  // One event per subject, all within one window (0.2 ms apart).
  for (let i = 0; i < KEYS; i++) engine.ingest(issuedEvent(i, subjectRefOf(i), t0 + Math.floor(i / 5)));
  const ingestMs = Number(process.hrtime.bigint() - started) / 1e6;
  const after = measure();
  const [stats] = engine.stats();
  const slab = engine.states[0].table.slabBytes();
  const bytesPerKey = (after - before) / stats.trackedKeys;
  const report = {
    at: new Date().toISOString(),
    rule: RULE,
    keys: KEYS,
    trackedKeys: stats.trackedKeys,
    evictions: stats.evictedCap + stats.evictedIdle,
    bytesPerKey: round(bytesPerKey, 1),
    slabBytesPerKey: round(slab / stats.trackedKeys, 1),
    mapAndKeyStringBytesPerKey: round(bytesPerKey - slab / stats.trackedKeys, 1),
    ingestMs: round(ingestMs),
    eventsPerSecond: round(KEYS / (ingestMs / 1000)),
    target: TARGET,
    met: bytesPerKey <= TARGET,
    node: process.version,
  };
  console.log(JSON.stringify(report, null, 2));
  console.log(`report: ${writeReport('detector-memory', report)}`);
  // Keep the engine alive until after the measurement.
  if (engine.events !== KEYS) throw new Error('unreachable');
  process.exitCode = report.met ? 0 : 1;
}

main();
