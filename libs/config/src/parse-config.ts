import { ConfigError } from './config-error';
import { Field } from './fields';

export type Spec = Record<string, Field<unknown>>;
export type ConfigOf<S extends Spec> = { readonly [K in keyof S]: S[K] extends Field<infer T> ? T : never };

/**
 * Parses `source` (normally `process.env`) against `spec` once, and returns a
 * frozen object. Every bad variable is reported together in one ConfigError.
 */
export function parseConfig<S extends Spec>(spec: S, source: Record<string, string | undefined>): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, f] of Object.entries(spec)) {
    const r = f.parse(source[name], name);
    if (r.ok) out[name] = r.value;
    else problems.push(r.problem);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(out) as ConfigOf<S>;
}
