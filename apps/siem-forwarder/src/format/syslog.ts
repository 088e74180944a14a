import { Severity } from '@tokenwarden/events';

/** RFC 5424 severity of an alert: CRITICAL=2 crit, HIGH=3 err, MEDIUM=4 warning, LOW=5 notice, INFO=6 info. */
const SYSLOG_SEVERITY: Record<Severity, number> = {
  CRITICAL: 2,
  HIGH: 3,
  MEDIUM: 4,
  LOW: 5,
  INFO: 6,
  UNKNOWN: 4,
};

export function syslogSeverity(severity: Severity): number {
  return SYSLOG_SEVERITY[severity];
}

/** One SD-ELEMENT: `[id name="value" ...]`. */
export interface SdElement {
  readonly id: string;
  readonly params: ReadonlyArray<readonly [string, string]>;
}

export interface Rfc5424Message {
  /** 0-23 (10 = authpriv, 13 = log audit). */
  readonly facility: number;
  /** 0-7. */
  readonly severity: number;
  /** Milliseconds since the epoch; outside years 0000-9999 it is sent as NILVALUE. */
  readonly timestampMs: number;
  readonly hostname: string;
  readonly appName: string;
  readonly procId: string;
  readonly msgId: string;
  readonly structuredData: readonly SdElement[];
  /** MSG-ANY: sent as UTF-8 without a BOM (CEF receivers do not expect one). */
  readonly message: string;
}

/** SD-NAME (also SD-ID and PARAM-NAME): 1-32 PRINTUSASCII except `=`, space, `]`, `"`. An SD-ID may carry `@<enterprise number>`. */
export function isSdName(name: string): boolean {
  return /^[!#-<>-\\^-~]{1,32}$/.test(name);
}

// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f]/g;

/**
 * PARAM-VALUE: `"`, `\` and `]` are escaped with a backslash (RFC 5424 6.3.3).
 * Controls are legal UTF-8 there but receivers split or mangle them, so they
 * become U+FFFD.
 */
export function escapeSdParamValue(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`).replace(CONTROLS, '\ufffd');
}

/** A header field: PRINTUSASCII (33-126) only, at most `max` characters; empty becomes NILVALUE. */
export function headerField(value: string, max: number): string {
  const clean = value.replace(/[^!-~]/g, '_').slice(0, max);
  return clean.length === 0 ? '-' : clean;
}

function timestamp(ms: number): string {
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return '-';
  const iso = new Date(ms).toISOString();
  return /^\d{4}-/.test(iso) ? iso : '-'; // years before 0000 or after 9999 have no RFC 3339 form
}

function structuredData(elements: readonly SdElement[]): string {
  if (elements.length === 0) return '-';
  return elements
    .map((e) => {
      if (!isSdName(e.id)) throw new RangeError(`invalid SD-ID ${JSON.stringify(e.id)}`);
      const params = e.params.map(([name, value]) => {
        if (!isSdName(name)) throw new RangeError(`invalid SD PARAM-NAME ${JSON.stringify(name)}`);
        return ` ${name}="${escapeSdParamValue(value)}"`;
      });
      return `[${e.id}${params.join('')}]`;
    })
    .join('');
}

/** `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG` (RFC 5424 section 6). */
export function formatRfc5424(m: Rfc5424Message): string {
  if (!Number.isInteger(m.facility) || m.facility < 0 || m.facility > 23) throw new RangeError(`facility ${m.facility} is not 0-23`);
  if (!Number.isInteger(m.severity) || m.severity < 0 || m.severity > 7) throw new RangeError(`severity ${m.severity} is not 0-7`);
  const head = [
    `<${m.facility * 8 + m.severity}>1`,
    timestamp(m.timestampMs),
    headerField(m.hostname, 255),
    headerField(m.appName, 48),
    headerField(m.procId, 128),
    headerField(m.msgId, 32),
    structuredData(m.structuredData),
  ].join(' ');
  return m.message.length === 0 ? head : `${head} ${m.message}`;
}

/** RFC 6587 octet-counting: `MSG-LEN SP SYSLOG-MSG`, the length in UTF-8 bytes. */
export function frameOctetCounted(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}
