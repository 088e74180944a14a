/**
 * Typed readers for environment variables. Each field parses one raw string
 * (or its absence) into a value, or returns a problem sentence.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };
export interface Field<T> {
  parse(raw: string | undefined, name: string): Parsed<T>;
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(problem: string): Parsed<T> => ({ ok: false, problem });

function withDefault<T>(def: T | undefined, read: (raw: string, name: string) => Parsed<T>): Field<T> {
  return {
    parse(raw, name) {
      if (raw === undefined || raw.trim() === '') {
        return def === undefined ? bad(`${name} is required`) : ok(def);
      }
      return read(raw.trim(), name);
    },
  };
}

export const field = {
  string: (opts: { default?: string } = {}): Field<string> => withDefault(opts.default, (raw) => ok(raw)),

  int: (opts: { default?: number; min?: number; max?: number } = {}): Field<number> =>
    withDefault(opts.default, (raw, name) => {
      if (!/^-?\d+$/.test(raw)) return bad(`${name} must be an integer, got "${raw}"`);
      const n = Number(raw);
      if (opts.min !== undefined && n < opts.min) return bad(`${name} must be >= ${opts.min}, got ${n}`);
      if (opts.max !== undefined && n > opts.max) return bad(`${name} must be <= ${opts.max}, got ${n}`);
      return ok(n);
    }),

  bool: (opts: { default?: boolean } = {}): Field<boolean> =>
    withDefault(opts.default, (raw, name) => {
      if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return ok(true);
      if (['0', 'false', 'no'].includes(raw.toLowerCase())) return ok(false);
      return bad(`${name} must be true or false, got "${raw}"`);
    }),

  list: (opts: { default?: string[] } = {}): Field<string[]> =>
    withDefault(opts.default, (raw, name) => {
      const items = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
      return items.length > 0 ? ok(items) : bad(`${name} must be a comma-separated list`);
    }),

  oneOf: <T extends string>(choices: readonly T[], opts: { default?: T } = {}): Field<T> =>
    withDefault(opts.default, (raw, name) =>
      (choices as readonly string[]).includes(raw)
        ? ok(raw as T)
        : bad(`${name} must be one of ${choices.join(', ')}, got "${raw}"`),
    ),

  url: (opts: { default?: string } = {}): Field<string> =>
    withDefault(opts.default, (raw, name) => {
      try {
        return ok(new URL(raw).toString().replace(/\/$/, ''));
      } catch {
        return bad(`${name} must be a URL, got "${raw}"`);
      }
    }),
};
