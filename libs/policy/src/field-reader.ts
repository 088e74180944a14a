/**
 * Collects problems while reading an untrusted JSON document, so that one run
 * names every bad field (`keys.rotationPeriodDays must be ...`) instead of the first.
 */
export type Json = Record<string, unknown>;

export const isPlainObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export class FieldReader {
  readonly problems: string[] = [];

  /** An object section; unknown keys are problems because a typo must not silently fall back to a default. */
  section(parent: Json, key: string, path: string, allowed: readonly string[]): Json {
    const v = parent[key];
    if (v === undefined) return {};
    if (!isPlainObject(v)) {
      this.problems.push(`${path} must be an object`);
      return {};
    }
    this.unknownKeys(v, path, allowed);
    return v;
  }

  unknownKeys(obj: Json, path: string, allowed: readonly string[]): void {
    for (const k of Object.keys(obj)) {
      if (!allowed.includes(k)) this.problems.push(`${join(path, k)} is not a known field`);
    }
  }

  int(obj: Json, key: string, path: string, o: { def?: number; min: number; max: number; why?: string }): number {
    const v = obj[key];
    const name = join(path, key);
    if (v === undefined && o.def !== undefined) return o.def;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < o.min || v > o.max) {
      const why = o.why ? ` (${o.why})` : '';
      this.problems.push(`${name} must be an integer from ${o.min} to ${o.max}${why}, got ${show(v)}`);
      return o.def ?? o.min;
    }
    return v;
  }

  string(obj: Json, key: string, path: string, pattern: RegExp): string {
    const v = obj[key];
    if (typeof v !== 'string' || !pattern.test(v)) {
      this.problems.push(`${join(path, key)} must be a string matching ${pattern}, got ${show(v)}`);
      return '';
    }
    return v;
  }

  /** A list of strings; each item is checked by `item`, which returns a problem or undefined. */
  list(obj: Json, key: string, path: string, def: readonly string[], item: (s: string) => string | undefined,
    o: { nonEmpty?: boolean } = {}): string[] {
    const v = obj[key];
    const name = join(path, key);
    if (v === undefined) return [...def];
    if (!Array.isArray(v) || (o.nonEmpty && v.length === 0)) {
      this.problems.push(`${name} must be a ${o.nonEmpty ? 'non-empty ' : ''}list of strings, got ${show(v)}`);
      return [...def];
    }
    const out: string[] = [];
    const seen = new Set<string>();
    v.forEach((s: unknown, i) => {
      const problem = typeof s === 'string' ? item(s) : 'must be a string';
      if (problem) this.problems.push(`${name}[${i}] ${problem}, got ${show(s)}`);
      else if (seen.has((s as string).toLowerCase())) this.problems.push(`${name}[${i}] duplicates ${show(s)}`);
      else {
        seen.add((s as string).toLowerCase());
        out.push(s as string);
      }
    });
    return out;
  }
}

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);

/** Bounded rendering of a bad value, so a megabyte string does not end up in a log line. */
export const show = (v: unknown): string => {
  const s = v === undefined ? 'nothing' : JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
};
