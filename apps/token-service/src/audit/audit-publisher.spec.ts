import { EventCodec, TokenwardenEvent } from '@tokenwarden/events';
import { OutgoingRecord, topicNames } from '@tokenwarden/kafka';
import { sampleEvent } from '../../../../libs/events/fixtures/samples';
import { AuditPublisher, AuditUnavailableError, RecordSink } from './audit-publisher';
import { ServiceMetrics, silentLog } from './service-metrics';

const topics = topicNames('t.');
const codec = new EventCodec();

/** Records what would be sent; `fail` makes the next sends reject, `hang` never settles. */
function sink() {
  const sent: OutgoingRecord[][] = [];
  const s = { sent, fail: false, hang: false, publishAll: async (r: readonly OutgoingRecord[]) => {
    if (s.hang) return new Promise<void>(() => undefined);
    if (s.fail) throw new Error('broker down');
    sent.push([...r]);
  } };
  return s;
}
const setup = (s: RecordSink & { sent: OutgoingRecord[][] }, maxInFlight?: number) => {
  const metrics = new ServiceMetrics();
  return { metrics, audit: new AuditPublisher({ codec, sink: s, topics, metrics, log: silentLog, ackTimeoutMs: 50, maxInFlight }) };
};
const ev = <T extends TokenwardenEvent['type']>(type: T) => ({ type, value: sampleEvent(type) }) as TokenwardenEvent;
const count = async (m: ServiceMetrics, name: string) => (await m.registry.getSingleMetricAsString(name)).split('\n').filter((l) => !l.startsWith('#'));

describe('AuditPublisher routing', () => {
  it('token events by subject_ref; revocations also on the compacted topic by "iss jti"; key events by kid', () => {
    const { audit } = setup(sink());
    const revoked = ev('TokenRevoked');
    const records = audit.records([ev('TokenIssued'), revoked, ev('KeyLifecycle'), ev('SubjectErased')]);
    const v = revoked.value as { iss: string; jti: string; header: { subject_ref: string } };
    expect(records.map((r) => [r.topic, r.key])).toEqual([
      [topics.tokenEvents, sampleEvent('TokenIssued').header.subject_ref],
      [topics.tokenEvents, v.header.subject_ref],
      [topics.revocations, `${v.iss} ${v.jti}`],
      [topics.keyEvents, sampleEvent('KeyLifecycle').kid],
      [topics.tokenEvents, sampleEvent('SubjectErased').header.subject_ref],
      [topics.revocations, `erased ${sampleEvent('SubjectErased').header.subject_ref}`],
    ]);
    expect(records.every((r) => r.value?.[0] === 0xc3 && r.timestampMs !== undefined)).toBe(true);
  });

  it('a value that breaks the schema is refused before anything is sent', () => {
    const { audit } = setup(sink());
    const bad = { type: 'TokenIssued', value: { ...sampleEvent('TokenIssued'), jti: 42 } } as unknown as TokenwardenEvent;
    expect(() => audit.records([bad])).toThrow(expect.objectContaining({ code: 'ERR_CODEC_INVALID_VALUE' }));
  });
});

describe('AuditPublisher strengths', () => {
  it('publish throws AuditUnavailableError when Kafka refuses or does not answer in time', async () => {
    const s = sink();
    const { audit } = setup(s);
    s.fail = true;
    await expect(audit.publish([ev('TokenIssued')])).rejects.toBeInstanceOf(AuditUnavailableError);
    s.fail = false;
    s.hang = true;
    await expect(audit.publish([ev('TokenIssued')])).rejects.toThrow(/no acknowledgement within 50 ms/);
  });

  it('best effort never throws; losses are counted per type, also beyond the in-flight bound', async () => {
    const s = sink();
    const { audit, metrics } = setup(s, 1);
    s.hang = true;
    audit.publishBestEffort([ev('TokenValidated')]);
    audit.publishBestEffort([ev('TokenValidated')]);
    expect(await count(metrics, 'tw_token_audit_events_lost_total')).toEqual(['tw_token_audit_events_lost_total{type="TokenValidated"} 1']);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await count(metrics, 'tw_token_audit_events_lost_total')).toEqual(['tw_token_audit_events_lost_total{type="TokenValidated"} 2']);
  });

  it('eventually: kept in the outbox and retried until acknowledged, in order', async () => {
    const s = sink();
    const { audit } = setup(s);
    s.fail = true;
    await audit.publishEventually([ev('TokenRevoked')]);
    await audit.publishEventually([ev('KeyLifecycle')]);
    await audit.retryOutbox();
    expect(audit.pendingOutbox).toBe(2);
    s.fail = false;
    await audit.retryOutbox();
    expect(audit.pendingOutbox).toBe(0);
    expect(s.sent.map((batch) => batch.map((r) => r.topic))).toEqual([[topics.tokenEvents, topics.revocations], [topics.keyEvents]]);
  });

  it('a tombstone is a null value under the entry key on the revocations topic', async () => {
    const s = sink();
    await setup(s).audit.tombstone('iss jti');
    expect(s.sent).toEqual([[{ topic: topics.revocations, key: 'iss jti', value: null }]]);
  });
});
