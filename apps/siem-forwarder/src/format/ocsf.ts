import { Alert, AlertStatus, Severity } from '@tokenwarden/events';

/** OCSF schema version the findings follow (Detection Finding, class 2004, exists since 1.1.0). */
export const OCSF_VERSION = '1.1.0';

export interface OcsfProduct {
  readonly name: string;
  readonly vendorName: string;
  readonly version: string;
}

export interface OcsfAttack {
  technique: { uid: string };
  sub_technique?: { uid: string };
}

/** The fields of an OCSF Detection Finding that Tokenwarden fills. */
export interface OcsfDetectionFinding {
  class_uid: 2004;
  class_name: 'Detection Finding';
  category_uid: 2;
  category_name: 'Findings';
  activity_id: 0 | 1 | 2;
  activity_name: 'Unknown' | 'Create' | 'Update';
  type_uid: number;
  type_name: string;
  time: number;
  severity_id: number;
  severity: string;
  status_id: 1;
  status: 'New';
  message: string;
  count: number;
  start_time: number;
  end_time: number;
  finding_info: {
    uid: string;
    title: string;
    analytic: { uid: string; name: string; type_id: 1; type: 'Rule'; version: string };
    attacks: OcsfAttack[];
    first_seen_time: number;
    last_seen_time: number;
    related_events: Array<{ uid: string }>;
  };
  evidences: Array<{ data: Record<string, unknown> }>;
  metadata: {
    version: string;
    uid: string;
    correlation_uid: string;
    tenant_uid: string;
    event_code: string;
    product: { name: string; vendor_name: string; version: string };
  };
  unmapped: Record<string, unknown>;
}

const SEVERITY: Record<Severity, [number, string]> = {
  UNKNOWN: [0, 'Unknown'],
  INFO: [1, 'Informational'],
  LOW: [2, 'Low'],
  MEDIUM: [3, 'Medium'],
  HIGH: [4, 'High'],
  CRITICAL: [5, 'Critical'],
};

const ACTIVITY: Record<AlertStatus, [0 | 1 | 2, 'Unknown' | 'Create' | 'Update']> = {
  OPEN: [1, 'Create'],
  UPDATED: [2, 'Update'],
  UNKNOWN: [0, 'Unknown'],
};

/** `T1550.001` → technique T1550 with sub-technique T1550.001; `T1528` → technique only. */
export function ocsfAttack(techniqueId: string): OcsfAttack {
  const dot = techniqueId.indexOf('.');
  if (dot <= 0) return { technique: { uid: techniqueId } };
  return { technique: { uid: techniqueId.slice(0, dot) }, sub_technique: { uid: techniqueId } };
}

/**
 * The OCSF Detection Finding of an alert. finding_info.uid is alert_id (the
 * SIEM's deduplication key; an update keeps it, with activity Update) and
 * metadata.uid the id of this Alert event. The evidence names the triggering
 * events by event_id, so an analyst can pivot to token_events in ClickHouse.
 */
export function alertToOcsf(alert: Alert, product: OcsfProduct): OcsfDetectionFinding {
  const h = alert.header;
  const [severityId, severity] = SEVERITY[alert.severity];
  const [activityId, activityName] = ACTIVITY[alert.status];
  return {
    class_uid: 2004,
    class_name: 'Detection Finding',
    category_uid: 2,
    category_name: 'Findings',
    activity_id: activityId,
    activity_name: activityName,
    type_uid: 2004 * 100 + activityId,
    type_name: `Detection Finding: ${activityName}`,
    time: h.event_time,
    severity_id: severityId,
    severity,
    status_id: 1,
    status: 'New',
    message: alert.title,
    count: alert.count,
    start_time: alert.first_seen,
    end_time: alert.last_seen,
    finding_info: {
      uid: alert.alert_id,
      title: alert.title,
      analytic: { uid: alert.rule_id, name: alert.rule_id, type_id: 1, type: 'Rule', version: String(alert.rule_version) },
      attacks: alert.mitre_techniques.map(ocsfAttack),
      first_seen_time: alert.first_seen,
      last_seen_time: alert.last_seen,
      related_events: alert.evidence_event_ids.map((uid) => ({ uid })),
    },
    evidences: [
      {
        data: {
          evidence_event_ids: [...alert.evidence_event_ids],
          group_key: alert.group_key,
          window_start: alert.window_start,
          window_end: alert.window_end,
          threshold: alert.threshold,
          count: alert.count,
        },
      },
    ],
    metadata: {
      version: OCSF_VERSION,
      uid: h.event_id,
      correlation_uid: alert.alert_id,
      tenant_uid: h.tenant_id,
      event_code: alert.rule_id,
      product: { name: product.name, vendor_name: product.vendorName, version: product.version },
    },
    unmapped: {
      alert_status: alert.status,
      group_key: alert.group_key,
      subject_ref: h.subject_ref,
      client_id: h.client_id,
      ip: h.ip,
      trace_id: h.trace_id,
      detector_instance: h.producer.instance,
      detector_version: h.producer.version,
    },
  };
}
