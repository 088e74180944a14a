// A DetectionEngine over chosen rules, for unit tests (not production code).
import { join } from 'node:path';
import type { Alert, TokenwardenEvent } from '@tokenwarden/events';
import { loadPolicyFile, Policy } from '@tokenwarden/policy';
import { DetectionEngine, DetectionEngineOptions } from '../engine/detection-engine';
import { loadRuleFile, parseRuleSet } from '../rules/parse-rules';
import { RuleSet } from '../rules/rule-definition';

export const ROOT = join(__dirname, '../../../..');
export const RULES_FILE = join(ROOT, 'config/detection-rules.json');
export const POLICY = loadPolicyFile(join(ROOT, 'config/policy.json'));

/** 2025-01-01T00:00:00Z: aligned to every window length the tests use. */
export const T0 = Date.UTC(2025, 0, 1);
export const PRODUCER = { service: 'detector', instance: 'unit', version: '0.0.0' };

/** A valid rule document with one rule; `overrides` replace its fields. */
export function oneRule(overrides: Record<string, unknown> = {}, allowedLatenessSeconds = 60): RuleSet {
  return parseRuleSet({
    allowedLatenessSeconds,
    rules: [{
      id: 'test-rule', version: 1, title: 'test rule', severity: 'HIGH', kind: 'threshold',
      match: [{ type: 'TokenIssued' }], groupBy: 'subject_ref', windowSeconds: 60, subBuckets: 6, threshold: 3,
      cooldownSeconds: 60, mitre: ['T1528'], ...overrides,
    }],
  });
}

export interface EngineKit {
  engine: DetectionEngine;
  feed(...events: TokenwardenEvent[]): void;
  /** Pending alert versions, committed as if Kafka acknowledged them. */
  emit(): Alert[];
  /** Everything emitted so far, newest version per alert id. */
  latest(): Map<string, Alert>;
}

export function setup(rules: RuleSet = loadRuleFile(RULES_FILE), o: Partial<DetectionEngineOptions> & { policy?: Policy } = {}): EngineKit {
  const engine = new DetectionEngine({
    rules, policy: POLICY, producer: PRODUCER, maxKeysPerRule: 1000, now: () => T0 + 86400_000 * 365, ...o,
  });
  const latest = new Map<string, Alert>();
  return {
    engine,
    feed: (...events) => events.forEach((e) => engine.ingest(e)),
    emit: () => engine.pending().map((p) => {
      p.commit(1);
      latest.set(p.alert.alert_id, p.alert);
      return p.alert;
    }),
    latest: () => latest,
  };
}
