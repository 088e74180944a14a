/** Member names that could reach an object's prototype when a consumer copies claims around. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type JsonObject = Record<string, unknown>;

/**
 * Parses JSON text that must be an object with unique, harmless member names.
 * JSON.parse keeps the last of duplicate members while other parsers keep the
 * first; refusing duplicates (RFC 7515 §5.2) removes that parser differential.
 */
export function parseStrictObject(text: string): JsonObject | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return membersAreSafe(text, value) ? (value as JsonObject) : undefined;
}

/**
 * Checks already-parsed JSON for duplicate or prototype member names, at every depth.
 * In valid JSON text every ':' outside a string separates exactly one member name
 * from its value, and JSON.parse collapses duplicates into one own key; so the
 * text has a duplicate member exactly when it holds more such ':' than the parsed
 * value has own keys in all its objects. Counting needs no allocation per member.
 */
function membersAreSafe(text: string, value: object): boolean {
  // Without a backslash no string has an escape, so each string's text is its parsed
  // value: the ':' outside strings are all ':' minus those inside parsed names and values.
  const plain = text.indexOf('\\') === -1;
  let keys = 0;
  let colonsInStrings = 0;
  // Iterative walk: deep nesting cannot exhaust the call stack.
  const pending: object[] = [value];
  while (pending.length > 0) {
    const v = pending.pop() as object;
    if (Array.isArray(v)) {
      for (const e of v) {
        if (typeof e === 'object' && e !== null) pending.push(e);
        else if (plain && typeof e === 'string') colonsInStrings += countColons(e);
      }
      continue;
    }
    for (const name of Object.keys(v)) {
      // JSON.parse makes even "__proto__" an own data property; names arrive unescaped.
      if (PROTOTYPE_KEYS.has(name)) return false;
      keys++;
      const e = (v as Record<string, unknown>)[name];
      if (typeof e === 'object' && e !== null) pending.push(e);
      else if (plain && typeof e === 'string') colonsInStrings += countColons(e);
      if (plain) colonsInStrings += countColons(name);
    }
  }
  return keys === (plain ? countColons(text) - colonsInStrings : membersInText(text));
}

function countColons(s: string): number {
  let n = 0;
  for (let i = s.indexOf(':'); i !== -1; i = s.indexOf(':', i + 1)) n++;
  return n;
}

/** The ':' outside strings in valid JSON text: one per object member. */
function membersInText(text: string): number {
  let members = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Skip the string; an escape takes the next character with it.
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* backslash */) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x3a /* : */) members++;
  }
  return members;
}
