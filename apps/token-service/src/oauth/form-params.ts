import { invalidRequest } from './oauth-problem';

/** A sanity bound only: the body cap (TW_MAX_BODY_BYTES) applies first, and tokens have their own cap. */
const MAX_PARAM_CHARS = 1 << 20;

/**
 * The parameters of a form-encoded OAuth request (RFC 6749 §3.2 rules):
 * parameters sent without a value are treated as omitted, a repeated parameter
 * is an error, and every value is a bounded string.
 */
export class FormParams {
  private readonly values: ReadonlyMap<string, string>;

  constructor(body: unknown) {
    const values = new Map<string, string>();
    if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
      throw invalidRequest('the request body must be application/x-www-form-urlencoded');
    }
    for (const [name, value] of Object.entries((body ?? {}) as Record<string, unknown>)) {
      if (Array.isArray(value)) throw invalidRequest(`parameter ${safeName(name)} is repeated`);
      if (typeof value !== 'string') throw invalidRequest(`parameter ${safeName(name)} must be a string`);
      if (value.length > MAX_PARAM_CHARS) throw invalidRequest(`parameter ${safeName(name)} is too long`);
      if (value.length > 0) values.set(name, value);
    }
    this.values = values;
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  require(name: string): string {
    const v = this.values.get(name);
    if (v === undefined) throw invalidRequest(`parameter ${name} is required`);
    return v;
  }

  /** `scope` split on spaces (RFC 6749 §3.3); undefined when absent. */
  scopes(): string[] | undefined {
    const raw = this.values.get('scope');
    return raw === undefined ? undefined : [...new Set(raw.split(' ').filter((s) => s.length > 0))];
  }
}

/** Parameter names come from the request: only well-formed ones are echoed in errors. */
const safeName = (name: string): string => (/^[a-z_]{1,40}$/.test(name) ? name : '(unnamed)');
