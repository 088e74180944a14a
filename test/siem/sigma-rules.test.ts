import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  detectionProblems,
  isCorrelation,
  loadEventSchema,
  loadSigmaFiles,
  scalars,
  SigmaDoc,
  sigmaDocProblems,
  timespanSeconds,
} from './support/sigma-check';

const ROOT = join(__dirname, '../..');
const files = loadSigmaFiles();
const schema = loadEventSchema();

interface DetectorRule {
  id: string;
  severity: string;
  kind: 'threshold' | 'distinct';
  match: Array<{ type: string; where?: Record<string, string[]>; check?: string }>;
  groupBy: string;
  distinctField?: string;
  windowSeconds: number;
  threshold: number;
  mitre: string[];
}
const detectorRules = (JSON.parse(readFileSync(join(ROOT, 'config/detection-rules.json'), 'utf8')) as { rules: DetectorRule[] }).rules;
const policy = JSON.parse(readFileSync(join(ROOT, 'config/policy.json'), 'utf8')) as {
  accessToken: { lifetimeSeconds: number };
  refreshToken: { lifetimeSeconds: number };
  algorithms: { allowed: string[] };
};

const firing = (docs: SigmaDoc[], name: string) => docs.find((d) => d.name === name);

describe('Sigma rules (sigma/*.yml)', () => {
  it('reads the event schema it checks against', () => {
    for (const f of ['event_type', 'subject_ref', 'client_id', 'ip', 'jti', 'reason', 'outcome', 'alg', 'kid', 'lifetime_seconds', 'token_kind']) {
      expect(schema.fields.has(f)).toBe(true);
    }
    expect(schema.enums.get('reason')?.has('REFRESH_REUSE')).toBe(true); // RevocationReason
    expect(schema.enums.get('reason')?.has('REFRESH_REUSED')).toBe(true); // ValidationReason, DenialReason
    expect(schema.eventTypes.has('TokenValidated')).toBe(true);
  });

  it.each([...files.keys()])('%s parses, has the required attributes, and names only fields of our event schema', (file) => {
    const docs = files.get(file) as SigmaDoc[];
    const names = new Set(docs.map((d) => String(d.name)));
    const problems = docs.flatMap((d, i) => sigmaDocProblems(d, schema, names).map((p) => `doc ${i}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('uses every id once', () => {
    const ids = [...files.values()].flat().map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has one file per detector rule, and no other', () => {
    expect([...files.keys()].sort()).toEqual(detectorRules.map((r) => `${r.id}.yml`).sort());
  });

  it.each(detectorRules.map((r) => [r.id, r] as const))('%s matches the detector rule: window, threshold, key, level, techniques, match values', (id, rule) => {
    const docs = files.get(`${id}.yml`) as SigmaDoc[];
    const doc = firing(docs, id) as SigmaDoc;
    expect(doc).toBeDefined();
    expect(doc.level).toBe(rule.severity.toLowerCase());
    expect(doc.tags).toEqual(expect.arrayContaining(rule.mitre.map((t) => `attack.${t.toLowerCase()}`)));
    if (rule.kind === 'distinct' || rule.threshold > 1) {
      const c = doc.correlation as Record<string, unknown>;
      expect(c.type).toBe(rule.kind === 'distinct' ? 'value_count' : 'event_count');
      expect(c['group-by']).toEqual([rule.groupBy]);
      expect(timespanSeconds(String(c.timespan))).toBe(rule.windowSeconds);
      expect(c.condition).toEqual(rule.kind === 'distinct' ? { field: rule.distinctField, gte: rule.threshold } : { gte: rule.threshold });
    } else {
      expect(isCorrelation(doc)).toBe(false);
    }
    const values = new Set(docs.filter((d) => !isCorrelation(d)).flatMap((d) => scalars(d.detection)));
    for (const clause of rule.match) {
      expect(values).toContain(clause.type);
      for (const v of Object.values(clause.where ?? {}).flat()) expect(values).toContain(v);
    }
  });

  it('keeps policy values in step with config/policy.json', () => {
    const lifetime = (files.get('lifetime-beyond-policy.yml') as SigmaDoc[])[0].detection as Record<string, Record<string, unknown>>;
    expect(lifetime.selection_access_too_long['lifetime_seconds|gt']).toBe(policy.accessToken.lifetimeSeconds);
    expect(lifetime.selection_refresh_too_long['lifetime_seconds|gt']).toBe(policy.refreshToken.lifetimeSeconds);
    const alg = (files.get('weak-alg-presented.yml') as SigmaDoc[])[0].detection as Record<string, Record<string, unknown>>;
    expect(scalars(alg.filter_allowed_alg['alg|cased']).sort()).toEqual([...policy.algorithms.allowed].sort());
  });

  it('catches a misspelt field, an unknown enum value and a dangling condition (negative control)', () => {
    const detection = {
      selection: { event_type: 'TokenValidated', reasn: 'REVOKED', outcome: 'FORGED' },
      other: { event_type: 'TokenStolen' },
      condition: 'selection and missing',
    };
    expect(detectionProblems(detection, schema)).toEqual([
      'selection: field reasn is not in the event schema',
      'selection: outcome has no value FORGED',
      'other: event_type has no value TokenStolen',
      'condition names missing, which is not in detection',
      'detection other is not used by the condition',
    ]);
  });
});
