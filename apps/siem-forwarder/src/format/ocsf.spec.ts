import { Alert } from '@tokenwarden/events';
import { sampleEvent } from '../../../../libs/events/fixtures/samples';
import { HOSTILE_STRINGS } from '../testing/hostile-strings';
import { alertToOcsf, ocsfAttack } from './ocsf';

const product = { name: 'Tokenwarden', vendorName: 'Tokenwarden', version: '0.1.0' };

describe('alertToOcsf', () => {
  it('maps the sample alert to a Detection Finding', () => {
    const alert = sampleEvent('Alert');
    expect(alertToOcsf(alert, product)).toEqual({
      class_uid: 2004,
      class_name: 'Detection Finding',
      category_uid: 2,
      category_name: 'Findings',
      activity_id: 1,
      activity_name: 'Create',
      type_uid: 200401,
      type_name: 'Detection Finding: Create',
      time: 1732886400133,
      severity_id: 4,
      severity: 'High',
      status_id: 1,
      status: 'New',
      message: 'Refresh token reused',
      count: 2,
      start_time: 1732886390000,
      end_time: 1732886400123,
      finding_info: {
        uid: 'b1c7e0a4d7f3e2a19c0d5e6f7a8b9c0d',
        title: 'Refresh token reused',
        analytic: { uid: 'refresh-token-reuse', name: 'refresh-token-reuse', type_id: 1, type: 'Rule', version: '1' },
        attacks: [{ technique: { uid: 'T1550' }, sub_technique: { uid: 'T1550.001' } }, { technique: { uid: 'T1528' } }],
        first_seen_time: 1732886390000,
        last_seen_time: 1732886400123,
        related_events: [{ uid: '0f6a7c1e-2b4d-4c8e-9a1f-000000000001' }, { uid: '0f6a7c1e-2b4d-4c8e-9a1f-000000000004' }],
      },
      evidences: [
        {
          data: {
            evidence_event_ids: ['0f6a7c1e-2b4d-4c8e-9a1f-000000000001', '0f6a7c1e-2b4d-4c8e-9a1f-000000000004'],
            group_key: alert.group_key,
            window_start: 1732886100000,
            window_end: 1732886400000,
            threshold: 1,
            count: 2,
          },
        },
      ],
      metadata: {
        version: '1.1.0',
        uid: '0f6a7c1e-2b4d-4c8e-9a1f-000000000010',
        correlation_uid: 'b1c7e0a4d7f3e2a19c0d5e6f7a8b9c0d',
        tenant_uid: 'default',
        event_code: 'refresh-token-reuse',
        product: { name: 'Tokenwarden', vendor_name: 'Tokenwarden', version: '0.1.0' },
      },
      unmapped: {
        alert_status: 'OPEN',
        group_key: alert.group_key,
        subject_ref: alert.header.subject_ref,
        client_id: 'billing-web',
        ip: null,
        trace_id: null,
        detector_instance: 'detector-0',
        detector_version: '0.1.0',
      },
    });
  });

  it('maps status to activity and severity to severity_id', () => {
    const f = (o: Partial<Alert>) => alertToOcsf(sampleEvent('Alert', o), product);
    expect(f({ status: 'UPDATED' })).toMatchObject({ activity_id: 2, activity_name: 'Update', type_uid: 200402 });
    expect(f({ status: 'UNKNOWN' })).toMatchObject({ activity_id: 0, type_uid: 200400 });
    const ids = ['UNKNOWN', 'INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'].map((s) => f({ severity: s as Alert['severity'] }).severity_id);
    expect(ids).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('splits sub-techniques from techniques', () => {
    expect(ocsfAttack('T1110')).toEqual({ technique: { uid: 'T1110' } });
    expect(ocsfAttack('T1110.003')).toEqual({ technique: { uid: 'T1110' }, sub_technique: { uid: 'T1110.003' } });
  });

  it.each(Object.entries(HOSTILE_STRINGS))('round-trips a hostile %s string through JSON unchanged', (_name, s) => {
    const alert = sampleEvent('Alert', { alert_id: s, title: s, group_key: s, mitre_techniques: [s] });
    const back = JSON.parse(JSON.stringify(alertToOcsf(alert, product)));
    expect(back.finding_info.uid).toBe(s);
    expect(back.finding_info.title).toBe(s);
    expect(back.evidences[0].data.group_key).toBe(s);
    expect(back.class_uid).toBe(2004);
  });
});
