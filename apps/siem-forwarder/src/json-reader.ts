/**
 * Reads fields of a parsed JSON object and collects every problem with its
 * path (`sinks[1].port must be ...`), so a bad file is reported in one go.
 */
export class JsonReader {
  constructor(
    private readonly problems: string[],
    readonly path: string,
    readonly value: Record<string, unknown>,
  ) {}

  /** A reader over `raw` when it is a JSON object; otherwise records a problem and returns undefined. */
  static object(raw: unknown, path: string, problems: string[]): JsonReader | undefined {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      problems.push(`${path} must be an object`);
      return undefined;
    }
    return new JsonReader(problems, path, raw as Record<string, unknown>);
  }

  /** A reader over the object at `key` (problems go to the same list); undefined, with a problem, when it is not one. */
  child(key: string): JsonReader | undefined {
    return JsonReader.object(this.value[key], this.at(key), this.problems);
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  at(key: string): string {
    return `${this.path}.${key}`;
  }

  /** Records a problem for every key not in `known` (typos would otherwise silently fall back to defaults). */
  onlyKeys(known: readonly string[]): void {
    for (const key of Object.keys(this.value)) {
      if (!known.includes(key)) this.problems.push(`${this.at(key)} is not a known setting (known: ${known.join(', ')})`);
    }
  }

  string(key: string, opts: { default?: string; pattern?: RegExp; max?: number } = {}): string {
    const v = this.value[key];
    if (v === undefined && opts.default !== undefined) return opts.default;
    if (typeof v !== 'string' || v.length === 0) return this.bad(key, 'must be a non-empty string', '');
    if (opts.max !== undefined && v.length > opts.max) return this.bad(key, `must be at most ${opts.max} characters`, '');
    if (opts.pattern && !opts.pattern.test(v)) return this.bad(key, `must match ${opts.pattern}`, '');
    return v;
  }

  optionalString(key: string): string | undefined {
    return this.value[key] === undefined ? undefined : this.string(key);
  }

  int(key: string, opts: { default?: number; min: number; max: number }): number {
    const v = this.value[key];
    if (v === undefined && opts.default !== undefined) return opts.default;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < opts.min || v > opts.max) {
      return this.bad(key, `must be an integer from ${opts.min} to ${opts.max}, got ${JSON.stringify(v)}`, opts.min);
    }
    return v;
  }

  private bad<T>(key: string, message: string, fallback: T): T {
    this.problems.push(`${this.at(key)} ${message}`);
    return fallback;
  }
}
