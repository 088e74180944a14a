import { Type } from 'avsc';

export interface ValueProblems {
  /** Field paths such as `header.event_id` or `scope[2]`. */
  readonly paths: string[];
  /** One line per path: what was expected and what JS type came. Never the value itself. */
  readonly lines: string[];
}

/**
 * Checks a value against a schema before encoding. Undeclared keys are
 * refused too: a misspelt optional field would otherwise vanish silently
 * (avsc writes the default for a missing field).
 */
export function findValueProblems(type: Type, value: unknown): ValueProblems {
  const paths: string[] = [];
  const lines: string[] = [];
  type.isValid(value, {
    noUndeclaredFields: true,
    errorHook: (segments, val, t) => {
      const path = formatPath(segments);
      const extra = undeclaredKeys(t, val);
      if (extra.length > 0) {
        for (const key of extra.map((k) => (path ? `${path}.${k}` : k))) {
          paths.push(key);
          lines.push(`${key}: not in the schema`);
        }
        return;
      }
      paths.push(path || '(root)');
      lines.push(`${path || '(root)'}: expected ${describe(t)}, got ${jsType(val)}`);
    },
  });
  return { paths, lines };
}

function formatPath(segments: readonly string[]): string {
  return segments.reduce((out, s) => (/^\d+$/.test(s) ? `${out}[${s}]` : out ? `${out}.${s}` : s), '');
}

function undeclaredKeys(t: Type, val: unknown): string[] {
  if (t.typeName !== 'record' || val === null || typeof val !== 'object') return [];
  const declared = new Set((t as unknown as { fields: { name: string }[] }).fields.map((f) => f.name));
  return Object.keys(val).filter((k) => !declared.has(k));
}

function describe(t: Type): string {
  const attrs = t as unknown as { name?: string; types?: Type[] };
  switch (t.typeName) {
    case 'logical:uuid':
      return 'a lowercase uuid string';
    case 'long':
      return 'an integer within ±2^53';
    case 'int':
      return 'a 32-bit integer';
    case 'enum':
      return `a ${attrs.name?.split('.').pop()} symbol`;
    case 'record':
      return `a ${attrs.name?.split('.').pop()} object`;
    case 'union:unwrapped':
      return (attrs.types ?? []).map(describe).join(' or ');
    default:
      return `${t.typeName === 'array' ? 'an' : 'a'} ${t.typeName}`;
  }
}

function jsType(val: unknown): string {
  if (val === null) return 'null';
  return Array.isArray(val) ? 'array' : typeof val;
}
