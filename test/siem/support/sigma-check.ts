import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const ROOT = join(__dirname, '../../..');
export const SIGMA_DIR = join(ROOT, 'sigma');

export type SigmaDoc = Record<string, unknown>;

/** Every YAML document of every sigma/*.yml, by file name. */
export function loadSigmaFiles(): Map<string, SigmaDoc[]> {
  const out = new Map<string, SigmaDoc[]>();
  for (const file of readdirSync(SIGMA_DIR).filter((f) => f.endsWith('.yml')).sort()) {
    const docs = parseAllDocuments(readFileSync(join(SIGMA_DIR, file), 'utf8'));
    if (!Array.isArray(docs)) throw new Error(`${file}: empty`);
    for (const d of docs) if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
    out.set(file, docs.map((d) => d.toJS() as SigmaDoc));
  }
  return out;
}

/** What the event schema offers a rule: field names, enum symbols per field, and record names (event_type). */
export interface EventSchema {
  readonly fields: ReadonlySet<string>;
  readonly enums: ReadonlyMap<string, ReadonlySet<string>>;
  readonly eventTypes: ReadonlySet<string>;
}

/** Reads schemas/avro (every field at any depth) and the ClickHouse token_events columns. */
export function loadEventSchema(): EventSchema {
  const fields = new Set<string>();
  const enums = new Map<string, Set<string>>();
  const eventTypes = new Set<string>();
  const avroDir = join(ROOT, 'schemas/avro');
  const walk = (type: unknown, fieldName?: string): void => {
    if (Array.isArray(type)) return type.forEach((t) => walk(t, fieldName));
    if (typeof type !== 'object' || type === null) return;
    const t = type as { type?: unknown; fields?: Array<{ name: string; type: unknown }>; symbols?: string[]; items?: unknown };
    if (t.type === 'record') {
      for (const f of t.fields ?? []) {
        fields.add(f.name);
        walk(f.type, f.name);
      }
    }
    if (t.type === 'enum' && fieldName) enums.set(fieldName, new Set([...(enums.get(fieldName) ?? []), ...(t.symbols ?? [])]));
    if (t.type === 'array') walk(t.items, fieldName);
  };
  for (const dir of readdirSync(avroDir, { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== 'common')) {
    for (const file of readdirSync(join(avroDir, dir.name)).filter((f) => f.endsWith('.avsc'))) {
      const schema = JSON.parse(readFileSync(join(avroDir, dir.name, file), 'utf8')) as { name: string };
      eventTypes.add(schema.name);
      walk(schema);
    }
  }
  const ddl = readFileSync(join(ROOT, 'schemas/clickhouse/001_token_events.sql'), 'utf8');
  const body = ddl.slice(ddl.indexOf('(') + 1, ddl.lastIndexOf(')\nENGINE'));
  for (const m of body.matchAll(/^\s{4}([a-z_]+)\s+[A-Z]/gm)) fields.add(m[1]);
  return { fields, enums, eventTypes };
}

const MODIFIERS = new Set(['contains', 'startswith', 'endswith', 'all', 'cased', 'exists', 'expand', 'gt', 'gte', 'lt', 'lte', 're', 'cidr']);
const STATUSES = new Set(['stable', 'test', 'experimental', 'deprecated', 'unsupported']);
const LEVELS = new Set(['informational', 'low', 'medium', 'high', 'critical']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TAG = /^attack\.(t\d{4}(\.\d{3})?|[a-z]+(-[a-z]+)*)$/;

export const isCorrelation = (d: SigmaDoc): boolean => d.correlation !== undefined;

/** Every problem of one document; `names` are the rule names of its file (for correlation references). */
export function sigmaDocProblems(doc: SigmaDoc, schema: EventSchema, names: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const need = (key: string, ok: (v: unknown) => boolean, what: string) => {
    if (!ok(doc[key])) problems.push(`${key} ${what}, got ${JSON.stringify(doc[key])}`);
  };
  const str = (v: unknown) => typeof v === 'string' && v.length > 0;
  need('title', (v) => str(v) && (v as string).length <= 256, 'must be a title of at most 256 characters');
  need('id', (v) => typeof v === 'string' && UUID.test(v), 'must be a UUID v4');
  need('status', (v) => STATUSES.has(v as string), 'must be a Sigma status');
  need('level', (v) => LEVELS.has(v as string), 'must be a Sigma level');
  need('description', str, 'must be present');
  need('tags', (v) => Array.isArray(v) && v.length > 0 && v.every((t) => TAG.test(String(t))), 'must be attack.* tags');
  if (!(doc.tags as unknown[] | undefined)?.some((t) => /^attack\.t\d{4}/.test(String(t)))) problems.push('tags must name an ATT&CK technique');
  if (isCorrelation(doc)) problems.push(...correlationProblems(doc.correlation as Record<string, unknown>, schema, names));
  else {
    const ls = doc.logsource as Record<string, unknown> | undefined;
    if (ls?.product !== 'tokenwarden' || ls?.service !== 'token-events') problems.push(`logsource must be tokenwarden/token-events, got ${JSON.stringify(ls)}`);
    problems.push(...detectionProblems(doc.detection, schema));
  }
  for (const f of (doc.fields as unknown[] | undefined) ?? []) if (!schema.fields.has(String(f))) problems.push(`fields: ${String(f)} is not in the event schema`);
  return problems;
}

function correlationProblems(c: Record<string, unknown>, schema: EventSchema, names: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  if (!['event_count', 'value_count', 'temporal'].includes(String(c.type))) problems.push(`correlation.type ${String(c.type)} is not supported`);
  const rules = c.rules as unknown[] | undefined;
  if (!Array.isArray(rules) || rules.length === 0) problems.push('correlation.rules must list base rules');
  for (const r of rules ?? []) if (!names.has(String(r))) problems.push(`correlation.rules: ${String(r)} is not a rule name of this file`);
  for (const g of (c['group-by'] as unknown[] | undefined) ?? []) if (!schema.fields.has(String(g))) problems.push(`correlation.group-by: ${String(g)} is not in the event schema`);
  if (!/^\d+[smhd]$/.test(String(c.timespan))) problems.push(`correlation.timespan ${String(c.timespan)} must be <n>s|m|h|d`);
  const cond = c.condition as Record<string, unknown> | undefined;
  const ops = Object.keys(cond ?? {}).filter((k) => k !== 'field');
  if (ops.length === 0 || !ops.every((k) => ['gt', 'gte', 'lt', 'lte', 'eq'].includes(k) && Number.isInteger(cond?.[k]))) {
    problems.push(`correlation.condition ${JSON.stringify(cond)} must compare with integers`);
  }
  if (c.type === 'value_count' && !schema.fields.has(String(cond?.field))) problems.push(`correlation.condition.field ${String(cond?.field)} is not in the event schema`);
  return problems;
}

/** Fields, modifiers and enum values of every selection, and the names the condition uses. */
export function detectionProblems(detection: unknown, schema: EventSchema): string[] {
  if (typeof detection !== 'object' || detection === null) return ['detection must be a map'];
  const problems: string[] = [];
  const { condition, ...selections } = detection as Record<string, unknown>;
  for (const [name, sel] of Object.entries(selections)) {
    const maps = Array.isArray(sel) ? sel : [sel];
    for (const m of maps) {
      if (typeof m !== 'object' || m === null) {
        problems.push(`${name}: keyword lists are not used; name a field`);
        continue;
      }
      for (const [key, value] of Object.entries(m as Record<string, unknown>)) {
        const [field, ...mods] = key.split('|');
        if (!schema.fields.has(field)) problems.push(`${name}: field ${field} is not in the event schema`);
        for (const mod of mods) if (!MODIFIERS.has(mod)) problems.push(`${name}: unknown modifier ${mod}`);
        const values = (Array.isArray(value) ? value : [value]).filter((v) => v !== null && v !== '');
        const allowed = field === 'event_type' ? schema.eventTypes : schema.enums.get(field);
        if (allowed && !mods.includes('expand')) {
          for (const v of values) if (!allowed.has(String(v))) problems.push(`${name}: ${field} has no value ${String(v)}`);
        }
      }
    }
  }
  if (typeof condition !== 'string') return [...problems, 'detection.condition must be a string'];
  const idents = condition.replace(/[()]/g, ' ').split(/\s+/).filter((w) => w && !['and', 'or', 'not', '1', 'all', 'of', 'them'].includes(w));
  const used = new Set<string>();
  for (const ident of idents) {
    const re = new RegExp(`^${ident.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    const hits = Object.keys(selections).filter((s) => re.test(s));
    if (hits.length === 0) problems.push(`condition names ${ident}, which is not in detection`);
    hits.forEach((h) => used.add(h));
  }
  for (const s of Object.keys(selections)) if (!used.has(s) && !/\bthem\b/.test(condition)) problems.push(`detection ${s} is not used by the condition`);
  return problems;
}

/** Seconds of a Sigma timespan (`5m`). */
export function timespanSeconds(span: string): number {
  const m = /^(\d+)([smhd])$/.exec(span);
  if (!m) return Number.NaN;
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

/** Every scalar value anywhere under `v` (detection values), as strings. */
export function scalars(v: unknown): string[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v.flatMap(scalars);
  if (typeof v === 'object') return Object.values(v).flatMap(scalars);
  return [String(v)];
}
