import { Alert, decode, encode, EventProjection, ProjectedEventDecoder, TokenwardenEvent } from '@tokenwarden/events';
import { denied, issued, keyActivated, revoked, validated } from '../testing/event-kit';
import { oneRule, RULES_FILE, setup, T0 } from '../testing/engine-kit';
import { BODY_FIELDS, HEADER_FIELDS, MATCHABLE_TYPES } from './event-fields';
import { eventProjection } from './event-projection';
import { loadRuleFile, parseRuleSet } from './parse-rules';
import { CHECK_TYPES, MATCH_CHECKS, RuleSet } from './rule-definition';

const s = (seconds: number) => T0 + seconds * 1000;
const times = (n: number, make: (i: number) => TokenwardenEvent) => Array.from({ length: n }, (_, i) => make(i));

/** Events that fire every shipped rule, and some that fire none. */
const stream = (): TokenwardenEvent[] => [
  keyActivated('k-old', s(0)),
  ...times(20, (i) => issued({ t: s(i * 10), client: `c${i}` }, { token_fingerprint: `fp-${i}` })),
  ...times(500, (i) => issued({ t: s(i / 2), subject: `s${i}`, client: 'scraper' })),
  validated({ t: s(1) }, { jti: 'j1', outcome: 'INVALID', reason: 'REVOKED' }),
  ...times(50, (i) => validated({ t: s(i / 10), subject: `s${i}`, client: 'app', ip: `10.0.${i}.1` }, { jti: `j${i}`, outcome: 'INVALID', reason: 'SIGNATURE_INVALID' })),
  ...times(30, (i) => validated({ t: s(i / 10), client: `c${i}`, ip: '198.51.100.9' }, { jti: `k${i}`, outcome: 'INVALID', reason: 'EXPIRED' })),
  ...times(5, (i) => validated({ t: s(i * 60), ip: `192.0.2.${i}` }, { jti: 'shared' })),
  revoked({ t: s(1), subject: 'a' }, { reason: 'REFRESH_REUSE' }),
  denied({ t: s(2), subject: 'c' }, { reason: 'REFRESH_REUSED' }),
  issued({ t: s(3), client: 'x' }, { token_kind: 'ACCESS', lifetime_seconds: 3600 }),
  validated({ t: s(4), ip: '198.51.100.7' }, { outcome: 'INVALID', reason: 'KEY_UNKNOWN', alg: 'HS256' }),
  issued({ t: s(91 * 86400) }, { kid: 'k-old' }),
];

function alertsOf(rules: RuleSet, events: TokenwardenEvent[]): Alert[] {
  const k = setup(rules);
  k.feed(...events);
  k.emit();
  return [...k.latest().values()].sort((a, b) => (a.alert_id < b.alert_id ? -1 : 1));
}

/** A copy of `value` that records the path of every field read (`jti`, `header.ip`). */
function recording(value: Record<string, unknown>, read: Set<string>, prefix = ''): Record<string, unknown> {
  return new Proxy(value, {
    get(target, key) {
      const v = target[key as string];
      if (typeof key !== 'string') return v;
      const path = `${prefix}${key}`;
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) return recording(v as Record<string, unknown>, read, `${path}.`);
      read.add(path);
      return v;
    },
  });
}

/** Field paths the engine reads per event type while it runs `rules` over `events`. */
function readsOf(rules: RuleSet, events: TokenwardenEvent[]): Map<string, Set<string>> {
  const reads = new Map<string, Set<string>>();
  const k = setup(rules);
  for (const e of events) {
    const read = reads.get(e.type) ?? new Set<string>();
    reads.set(e.type, read);
    k.engine.ingest({ type: e.type, value: recording(e.value as never, read) } as unknown as TokenwardenEvent);
  }
  k.emit();
  return reads;
}

const covered = (projection: EventProjection, type: string, path: string) =>
  (projection[type as keyof EventProjection] ?? []).some((p) => path === p || path.startsWith(`${p}.`));

/** Rules that read every field a rule can name (as group key and as condition) and run every check. */
function everyField(): RuleSet {
  const rules: unknown[] = [];
  const rule = (id: string, fields: Record<string, unknown>) => rules.push({
    id: id.toLowerCase(), version: 1, title: id, severity: 'LOW', kind: 'threshold', groupBy: 'tenant_id', windowSeconds: 60, subBuckets: 6,
    threshold: 1, cooldownSeconds: 60, mitre: ['T1528'], ...fields,
  });
  for (const type of MATCHABLE_TYPES) {
    for (const [name, spec] of Object.entries({ ...HEADER_FIELDS, ...BODY_FIELDS[type] })) {
      const values = spec.kind === 'enum' ? spec.symbols : spec.kind === 'boolean' ? [true, false] : undefined;
      if (values) rule(`${type}-where-${name}`, { match: [{ type, where: { [name]: values } }] });
      else rule(`${type}-by-${name}`, { match: [{ type }], groupBy: name, kind: 'distinct', distinctField: name, maxDistinct: 1 });
    }
  }
  for (const check of MATCH_CHECKS) for (const type of CHECK_TYPES[check]) rule(`${type}-${check}`, { match: [{ type, check }] });
  return parseRuleSet({ allowedLatenessSeconds: 60, rules });
}

describe('eventProjection', () => {
  it.each([
    ['the shipped rules', loadRuleFile(RULES_FILE)],
    ['rules naming every field and check', everyField()],
    ['a rule on one type', oneRule()],
  ])('holds every field the engine reads for %s', (_, rules) => {
    const projection = eventProjection(rules);
    const reads = readsOf(rules, stream());
    expect([...reads.keys()].sort()).toEqual(['IssuanceDenied', 'KeyLifecycle', 'TokenIssued', 'TokenRevoked', 'TokenValidated']);
    const missing = [...reads].flatMap(([type, paths]) => [...paths].filter((p) => !covered(projection, type, p)).map((p) => `${type}.${p}`));
    expect(missing).toEqual([]);
  });

  it('gives the shipped rules the same alerts with the projected decoder as with the full one', () => {
    const rules = loadRuleFile(RULES_FILE);
    const decoder = new ProjectedEventDecoder(eventProjection(rules));
    const events = stream();
    const viaProjection = events.map((e) => decoder.decode(encode(e.type, e.value as never)));
    const full = alertsOf(rules, events.map((e) => decode(encode(e.type, e.value as never))));
    expect(new Set(full.map((a) => a.rule_id))).toEqual(new Set(rules.rules.map((r) => r.id)));
    expect(alertsOf(rules, viaProjection)).toEqual(full);
  });

  it('leaves out what no rule reads', () => {
    const p = eventProjection(oneRule());
    expect(p.TokenIssued).toEqual(['header.event_id', 'header.event_time', 'header.subject_ref', 'header.tenant_id']);
    expect(p.TokenValidated).toEqual(['header.event_time']);
    expect(p.KeyLifecycle).toEqual(['header.event_time', 'kid', 'phase']);
  });
});
