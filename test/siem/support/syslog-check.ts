import { Alert } from '@tokenwarden/events';
import { parseCef, parseRfc5424 } from '../../../apps/siem-forwarder/src/testing/cef-parser';
import { cefHeaderImage, cefValueImage } from '../../../apps/siem-forwarder/src/testing/hostile-strings';

// Written out here rather than imported, so a wrong mapping in the code cannot agree with itself.
const CEF_SEVERITY = { INFO: '1', LOW: '3', MEDIUM: '5', HIGH: '8', CRITICAL: '10', UNKNOWN: 'Unknown' };
const SYSLOG_SEVERITY = { CRITICAL: 2, HIGH: 3, MEDIUM: 4, LOW: 5, INFO: 6, UNKNOWN: 4 };
export const SD_ID = 'tokenwarden@32473';

/** The Alert event id a syslog line carries (structured data). */
export function eventIdOf(line: string): string {
  return parseRfc5424(line).structuredData[SD_ID]?.event_id ?? '';
}

/** Every difference between a received syslog line and the alert it should carry; [] when it parses back exactly. */
export function syslogLineProblems(line: string, alert: Alert, facility = 10): string[] {
  const problems: string[] = [];
  const expect = (what: string, got: unknown, want: unknown) => {
    if (got !== want) problems.push(`${what}: got ${JSON.stringify(got)?.slice(0, 80)}, want ${JSON.stringify(want)?.slice(0, 80)}`);
  };
  const msg = parseRfc5424(line);
  expect('PRI', msg.pri, facility * 8 + SYSLOG_SEVERITY[alert.severity]);
  expect('timestamp', msg.timestamp, new Date(alert.header.event_time).toISOString());
  expect('SD alert_id', msg.structuredData[SD_ID]?.alert_id, alert.alert_id);
  const cef = parseCef(msg.message);
  const h = alert.header;
  expect('CEF version', cef.version, '0');
  expect('vendor', cef.vendor, 'Tokenwarden');
  expect('signature id', cef.signatureId, cefHeaderImage(alert.rule_id));
  expect('name', cef.name, cefHeaderImage(alert.title));
  expect('severity', cef.severity, CEF_SEVERITY[alert.severity]);
  const want: Record<string, string | undefined> = {
    rt: String(h.event_time),
    start: String(alert.first_seen),
    end: String(alert.last_seen),
    cnt: String(alert.count),
    externalId: h.event_id,
    cs1: cefValueImage(alert.alert_id),
    cs2: cefValueImage(alert.group_key),
    cs3: cefValueImage(alert.mitre_techniques.join(',')),
    cs4: alert.evidence_event_ids.join(','),
    cs5: alert.status,
    cs6: cefValueImage(h.tenant_id),
    cn1: String(alert.threshold),
    cn2: String(alert.rule_version),
    deviceCustomDate1: String(alert.window_start),
    deviceCustomDate2: String(alert.window_end),
    suid: h.subject_ref === null ? undefined : cefValueImage(h.subject_ref),
    flexString1: h.client_id === null ? undefined : cefValueImage(h.client_id),
    src: h.ip ?? undefined,
  };
  for (const [key, value] of Object.entries(want)) expect(`ext ${key}`, cef.extension[key], value);
  return problems;
}
