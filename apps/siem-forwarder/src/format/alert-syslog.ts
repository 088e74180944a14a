import { Alert } from '@tokenwarden/events';
import { alertToCef, CefDevice } from './cef';
import { formatRfc5424, SdElement, syslogSeverity } from './syslog';

export interface AlertSyslogOptions {
  readonly facility: number;
  readonly hostname: string;
  readonly appName: string;
  /** SD-ID of the element that repeats the ids a receiver deduplicates on; null sends no structured data. */
  readonly sdId: string | null;
  readonly device: CefDevice;
}

/**
 * One RFC 5424 message per alert: the CEF line is the MSG, the timestamp is
 * when the detector emitted this version of the alert, and the structured
 * data repeats alert_id and event_id for receivers that do not parse CEF.
 */
export function alertToSyslog(alert: Alert, o: AlertSyslogOptions): string {
  const sd: SdElement[] =
    o.sdId === null
      ? []
      : [
          {
            id: o.sdId,
            params: [
              ['alert_id', alert.alert_id],
              ['event_id', alert.header.event_id],
              ['rule_id', alert.rule_id],
              ['status', alert.status],
            ],
          },
        ];
  return formatRfc5424({
    facility: o.facility,
    severity: syslogSeverity(alert.severity),
    timestampMs: alert.header.event_time,
    hostname: o.hostname,
    appName: o.appName,
    procId: '-',
    msgId: 'ALERT',
    structuredData: sd,
    message: alertToCef(alert, o.device),
  });
}
