import { isIP } from 'node:net';
import { Alert, Severity } from '@tokenwarden/events';

/** Who the CEF header names as the device: vendor, product, version. */
export interface CefDevice {
  readonly vendor: string;
  readonly product: string;
  readonly version: string;
}

/** CEF severity: 0-10, or "Unknown" (allowed by the CEF spec) for the reader-fallback symbol. */
const CEF_SEVERITY: Record<Severity, string> = {
  INFO: '1',
  LOW: '3',
  MEDIUM: '5',
  HIGH: '8',
  CRITICAL: '10',
  UNKNOWN: 'Unknown',
};

export function cefSeverity(severity: Severity): string {
  return CEF_SEVERITY[severity];
}

// C0 controls and DEL except tab, CR and LF (those are handled where they matter).
// eslint-disable-next-line no-control-regex
const OTHER_CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/**
 * A CEF header field: `\` and `|` are escaped. The spec allows line breaks only
 * in extension values, so CR and LF (and other controls) become spaces here.
 */
export function escapeCefHeader(value: string): string {
  return value
    .replace(/[\\|]/g, (c) => `\\${c}`)
    .replace(/[\r\n]/g, ' ')
    .replace(OTHER_CONTROLS, ' ');
}

/**
 * A CEF extension value: `\` and `=` are escaped, CR and LF become the two
 * characters `\r` and `\n` (CEF's multi-line encoding). Other controls, which
 * CEF cannot encode and syslog receivers mangle, become U+FFFD.
 */
export function escapeCefValue(value: string): string {
  return value
    .replace(/[\\=\r\n]/g, (c) => (c === '\r' ? '\\r' : c === '\n' ? '\\n' : `\\${c}`))
    .replace(OTHER_CONTROLS, '\ufffd');
}

const EXTENSION_KEY = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;

/** Renders `key=value` pairs; keys are ours (code, not data), so a bad one is a bug. */
export function cefExtension(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs
    .map(([key, value]) => {
      if (!EXTENSION_KEY.test(key)) throw new RangeError(`invalid CEF extension key ${JSON.stringify(key)}`);
      return `${key}=${escapeCefValue(value)}`;
    })
    .join(' ');
}

/** `CEF:0|vendor|product|version|signature id|name|severity|extension`. */
export function cefLine(
  device: CefDevice,
  signatureId: string,
  name: string,
  severity: string,
  extension: ReadonlyArray<readonly [string, string]>,
): string {
  const header = [device.vendor, device.product, device.version, signatureId, name, severity].map(escapeCefHeader);
  return `CEF:0|${header.join('|')}|${cefExtension(extension)}`;
}

/**
 * The CEF form of an alert. The signature id is the rule id, the name the
 * rule's title; `cs1` carries alert_id, which a SIEM deduplicates on, and
 * `externalId` the id of this Alert event (an update has a new one).
 * Times are milliseconds since the epoch, which CEF accepts for rt/start/end.
 */
export function alertToCef(alert: Alert, device: CefDevice): string {
  const h = alert.header;
  const ext: Array<[string, string]> = [
    ['rt', String(h.event_time)],
    ['start', String(alert.first_seen)],
    ['end', String(alert.last_seen)],
    ['cnt', String(alert.count)],
    ['externalId', h.event_id],
    ['cs1Label', 'alertId'],
    ['cs1', alert.alert_id],
    ['cs2Label', 'groupKey'],
    ['cs2', alert.group_key],
    ['cs3Label', 'mitreTechniques'],
    ['cs3', alert.mitre_techniques.join(',')],
    ['cs4Label', 'evidenceEventIds'],
    ['cs4', alert.evidence_event_ids.join(',')],
    ['cs5Label', 'alertStatus'],
    ['cs5', alert.status],
    ['cs6Label', 'tenantId'],
    ['cs6', h.tenant_id],
    ['cn1Label', 'threshold'],
    ['cn1', String(alert.threshold)],
    ['cn2Label', 'ruleVersion'],
    ['cn2', String(alert.rule_version)],
    ['deviceCustomDate1Label', 'windowStart'],
    ['deviceCustomDate1', String(alert.window_start)],
    ['deviceCustomDate2Label', 'windowEnd'],
    ['deviceCustomDate2', String(alert.window_end)],
    ['dvchost', h.producer.instance],
  ];
  if (h.subject_ref !== null) ext.push(['suid', h.subject_ref]);
  if (h.client_id !== null) ext.push(['flexString1Label', 'clientId'], ['flexString1', h.client_id]);
  if (h.ip !== null) {
    // src must be an address; anything else still reaches the SIEM, labelled.
    if (isIP(h.ip) !== 0) ext.push(['src', h.ip]);
    else ext.push(['flexString2Label', 'sourceAddress'], ['flexString2', h.ip]);
  }
  return cefLine(device, alert.rule_id, alert.title, cefSeverity(alert.severity), ext);
}
