import { readFileSync } from 'node:fs';
import { ENUM_SYMBOLS } from '@tokenwarden/events';
import { FieldReader, isPlainObject, Json, show } from '@tokenwarden/policy';
import { DetectorError } from '../detector-error';
import { FieldValue, fieldOf, isMatchableType, MATCHABLE_TYPES, MatchableType } from './event-fields';
import { CHECK_TYPES, MATCH_CHECKS, MatchCheck, MatchClause, RuleDefinition, RuleKind, RuleSet } from './rule-definition';

const TOP = ['$comment', 'allowedLatenessSeconds', 'rules'];
const RULE_KEYS = ['id', 'version', 'title', 'description', 'severity', 'kind', 'match', 'groupBy', 'distinctField',
  'maxDistinct', 'windowSeconds', 'subBuckets', 'threshold', 'cooldownSeconds', 'mitre', 'suppressKeys', 'enabled'];
const RULE_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const TITLE = /^[^\n\r]{3,120}$/;
const MITRE = /^T\d{4}(\.\d{3})?$/;
const SEVERITIES = ENUM_SYMBOLS.Severity.filter((s) => s !== 'UNKNOWN') as RuleDefinition['severity'][];
const KINDS: readonly RuleKind[] = ['threshold', 'distinct'];

/** Validates a parsed rules document; throws DetectorError naming every bad rule and field. */
export function parseRuleSet(raw: unknown): RuleSet {
  const r = new FieldReader();
  if (!isPlainObject(raw)) throw invalid(['the rules file must be a JSON object']);
  r.unknownKeys(raw, '', TOP);
  const allowedLatenessSeconds = r.int(raw, 'allowedLatenessSeconds', '', { def: 60, min: 0, max: 3600 });
  const list = raw.rules;
  const rules: RuleDefinition[] = [];
  if (!Array.isArray(list) || list.length === 0) r.problems.push(`rules must be a non-empty list, got ${show(list)}`);
  else {
    const seen = new Set<string>();
    list.forEach((item: unknown, i) => {
      const rule = parseRule(r, item, i);
      if (!rule) return;
      if (seen.has(rule.id)) r.problems.push(`rule "${rule.id}" (rules[${i}]): id duplicates an earlier rule`);
      seen.add(rule.id);
      rules.push(rule);
    });
  }
  if (r.problems.length > 0) throw invalid(r.problems);
  return Object.freeze({ allowedLatenessSeconds, rules: Object.freeze(rules) });
}

/** Reads and validates the rules file at boot. */
export function loadRuleFile(path: string): RuleSet {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new DetectorError('ERR_DETECTOR_RULES_UNREADABLE', `cannot read rules file ${path}: ${(cause as Error).message}`,
      false, [], { cause });
  }
  return parseRuleSet(raw);
}

function invalid(problems: string[]): DetectorError {
  return new DetectorError('ERR_DETECTOR_RULES_INVALID', `invalid detection rules:\n  - ${problems.join('\n  - ')}`, false, problems);
}

/** One rule; undefined when disabled or too broken to name. Problems are prefixed with the rule's id. */
function parseRule(r: FieldReader, item: unknown, i: number): RuleDefinition | undefined {
  if (!isPlainObject(item)) {
    r.problems.push(`rules[${i}] must be an object, got ${show(item)}`);
    return undefined;
  }
  const named = typeof item.id === 'string' && RULE_ID.test(item.id);
  const path = named ? `rule "${item.id as string}"` : `rules[${i}]`;
  if (!named) r.problems.push(`rules[${i}].id must be a string matching ${RULE_ID}, got ${show(item.id)}`);
  r.unknownKeys(item, path, RULE_KEYS);
  if (item.enabled !== undefined && typeof item.enabled !== 'boolean') r.problems.push(`${path}.enabled must be true or false`);
  if (item.description !== undefined && typeof item.description !== 'string') r.problems.push(`${path}.description must be a string`);

  const kind = oneOf(r, item, 'kind', path, KINDS, 'threshold');
  const windowSeconds = r.int(item, 'windowSeconds', path, { min: 1, max: 7 * 86400 });
  const subBuckets = r.int(item, 'subBuckets', path, { def: Math.min(10, windowSeconds), min: 1, max: 120 });
  if (subBuckets > 0 && (windowSeconds * 1000) % subBuckets !== 0) {
    r.problems.push(`${path}.subBuckets must divide windowSeconds into whole milliseconds, got ${subBuckets}`);
  }
  const threshold = r.int(item, 'threshold', path, { min: 1, max: 1_000_000 });
  const match = parseMatch(r, item.match, path);
  const types = match.map((m) => m.type);
  const groupBy = keyField(r, item, 'groupBy', path, types);
  const distinctField = kind === 'distinct' ? keyField(r, item, 'distinctField', path, types) : undefined;
  if (kind !== 'distinct' && item.distinctField !== undefined) r.problems.push(`${path}.distinctField is only for kind "distinct"`);
  const rule: RuleDefinition = {
    id: named ? (item.id as string) : '',
    version: r.int(item, 'version', path, { min: 1, max: 1_000_000 }),
    title: r.string(item, 'title', path, TITLE),
    severity: oneOf(r, item, 'severity', path, SEVERITIES, undefined),
    kind,
    match,
    groupBy,
    distinctField,
    maxDistinct: r.int(item, 'maxDistinct', path, { def: Math.min(64, Math.max(8, threshold * 2)), min: threshold, max: 256,
      why: 'at least threshold' }),
    windowSeconds,
    subBuckets,
    threshold,
    cooldownSeconds: r.int(item, 'cooldownSeconds', path, { def: windowSeconds, min: windowSeconds, max: 30 * 86400,
      why: 'at least windowSeconds, so one incident never yields two alert ids' }),
    mitre: r.list(item, 'mitre', path, [], (s) => (MITRE.test(s) ? undefined : `must be an ATT&CK technique id like T1550.001`),
      { nonEmpty: true }),
    suppressKeys: r.list(item, 'suppressKeys', path, [], (s) => (s.length > 0 && s.length <= 256 ? undefined : 'must be 1-256 chars')),
  };
  if (item.mitre === undefined) r.problems.push(`${path}.mitre is required (ATT&CK technique ids)`);
  return item.enabled === false ? undefined : Object.freeze(rule);
}

function oneOf<T extends string>(r: FieldReader, obj: Json, key: string, path: string, choices: readonly T[], def: T | undefined): T {
  const v = obj[key];
  if (v === undefined && def !== undefined) return def;
  if (typeof v === 'string' && (choices as readonly string[]).includes(v)) return v as T;
  r.problems.push(`${path}.${key} must be one of ${choices.join(', ')}, got ${show(v)}`);
  return choices[0];
}

/** A string field every matched type carries (group keys and distinct values are strings). */
function keyField(r: FieldReader, obj: Json, key: string, path: string, types: readonly MatchableType[]): string {
  const v = obj[key];
  if (typeof v !== 'string') {
    r.problems.push(`${path}.${key} must be a field name, got ${show(v)}`);
    return '';
  }
  for (const t of new Set(types)) {
    const f = fieldOf(t, v);
    if (!f) r.problems.push(`${path}.${key}: ${t} has no field "${v}"`);
    else if (f.kind === 'boolean') r.problems.push(`${path}.${key}: "${v}" is a boolean, not a key`);
  }
  return v;
}

function parseMatch(r: FieldReader, raw: unknown, path: string): MatchClause[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    r.problems.push(`${path}.match must be a non-empty list of {type, where?, check?}, got ${show(raw)}`);
    return [];
  }
  const out: MatchClause[] = [];
  raw.forEach((c: unknown, i) => {
    const at = `${path}.match[${i}]`;
    if (!isPlainObject(c)) return void r.problems.push(`${at} must be an object, got ${show(c)}`);
    r.unknownKeys(c, at, ['type', 'where', 'check']);
    if (typeof c.type !== 'string' || !isMatchableType(c.type)) {
      return void r.problems.push(`${at}.type must be one of ${MATCHABLE_TYPES.join(', ')}, got ${show(c.type)}`);
    }
    const type = c.type;
    let check: MatchCheck | undefined;
    if (c.check !== undefined) {
      check = oneOf(r, c, 'check', at, MATCH_CHECKS, undefined);
      if (!CHECK_TYPES[check].includes(type)) r.problems.push(`${at}.check "${check}" cannot judge ${type}`);
    }
    out.push(Object.freeze({ type, where: parseWhere(r, c.where, at, type), check }));
  });
  return out;
}

function parseWhere(r: FieldReader, raw: unknown, at: string, type: MatchableType): Record<string, FieldValue[]> {
  if (raw === undefined) return {};
  if (!isPlainObject(raw)) {
    r.problems.push(`${at}.where must be an object of field -> list of values, got ${show(raw)}`);
    return {};
  }
  const where: Record<string, FieldValue[]> = {};
  for (const [name, values] of Object.entries(raw)) {
    const f = fieldOf(type, name);
    const p = `${at}.where.${name}`;
    if (!f) {
      r.problems.push(`${p}: ${type} has no field "${name}"`);
      continue;
    }
    if (!Array.isArray(values) || values.length === 0) {
      r.problems.push(`${p} must be a non-empty list of values, got ${show(values)}`);
      continue;
    }
    for (const v of values) {
      const ok = f.kind === 'boolean' ? typeof v === 'boolean'
        : f.kind === 'enum' ? typeof v === 'string' && f.symbols!.includes(v) : typeof v === 'string' || v === null;
      if (!ok) r.problems.push(`${p}: ${show(v)} is not ${f.kind === 'enum' ? `a symbol of ${f.symbols!.join(', ')}` : `a ${f.kind}`}`);
    }
    where[name] = values as FieldValue[];
  }
  return where;
}
