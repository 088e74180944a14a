/** Member names that could reach an object's prototype when a consumer copies claims around. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const WHITESPACE = new Set([' ', '\t', '\n', '\r']);

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
  return membersAreSafe(text) ? (value as JsonObject) : undefined;
}

/** Scans already-valid JSON text for duplicate or prototype member names, at every depth. */
function membersAreSafe(text: string): boolean {
  const stack: (Set<string> | null)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') stack.push(new Set());
    else if (c === '[') stack.push(null);
    else if (c === '}' || c === ']') stack.pop();
    else if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      let k = j + 1;
      while (WHITESPACE.has(text[k])) k++;
      const members = stack[stack.length - 1];
      if (members && text[k] === ':') {
        const raw = text.slice(i + 1, j);
        const name = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (members.has(name) || PROTOTYPE_KEYS.has(name)) return false;
        members.add(name);
      }
      i = j;
    }
  }
  return true;
}
