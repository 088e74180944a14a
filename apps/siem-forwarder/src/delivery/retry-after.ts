/**
 * The delay a `Retry-After` header asks for (RFC 9110 10.2.3), in ms: either
 * delay-seconds or an HTTP-date. Undefined when absent or unreadable; a date
 * in the past means "now" (0).
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (/^\d{1,10}$/.test(v)) return Number(v) * 1000;
  if (!/^[A-Za-z]{3}/.test(v)) return undefined; // HTTP-dates start with a day name; Date.parse is too lenient otherwise
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
