// Audit buffer full while Kafka cannot take events: requests are still decided and answered, the
// oldest events are dropped and counted (tw_guard_audit_events_dropped_total), nothing blocks.
import { createServer } from 'node:net';
import type { TokenwardenEvent } from '@tokenwarden/events';
import { EventProducer, KafkaConnection } from '@tokenwarden/kafka';
import { waitFor } from '@tokenwarden/testing';
import { clientCredentials } from '../token-service/support/flows';
import { cluster, Cluster, Instance } from '../token-service/support/harness';
import { RunningGuard, startGuard } from './support/guard-harness';

let c: Cluster;
let svc: Instance;
let guard: RunningGuard;
let dead: EventProducer;

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  c = await cluster('guard_kafka_down');
  svc = await c.start();
  await waitFor(() => svc.runtime.readiness().ready, 20000, { what: 'token service ready' });
  // Revocations still come from the real broker; audit events go to a broker that is not there.
  dead = new EventProducer(new KafkaConnection({ brokers: [`127.0.0.1:${await closedPort()}`], clientId: 'guard-dead', retries: 1, connectionTimeoutMs: 300 }), { ackTimeoutMs: 500 });
  guard = await startGuard(c, svc, {
    audit: { capacity: 5, maxBatch: 3, flushIntervalMs: 3_600_000 }, // the loop never fires: flushes happen when the test says
    auditSink: { publishAll: (events: readonly TokenwardenEvent[]) => dead.publishAll(events.map((e) => ({ topic: c.topics.tokenEvents, key: null, value: Buffer.from(e.value.header.event_id) }))) },
  });
  await waitFor(() => guard.runtime.ready(), 20000, { what: 'guard ready' });
});
afterAll(async () => {
  await guard?.close();
  await dead?.disconnect().catch(() => undefined);
  await c?.stopAll();
});

it('12 decisions with room for 5: all answered, 7 oldest dropped and counted, a failed flush loses nothing more', async () => {
  const { token } = await clientCredentials(svc);
  const statuses = await Promise.all(Array.from({ length: 12 }, () => fetch(guard.url, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status)));
  expect(statuses).toEqual(Array(12).fill(200));
  expect(guard.runtime.buffer.size).toBe(5);
  await guard.runtime.buffer.flushOnce();
  expect(guard.runtime.buffer.size).toBe(5);
  const metrics = await guard.runtime.metrics.registry.metrics();
  expect(metrics).toContain('tw_guard_audit_events_dropped_total 7');
  expect(metrics).toContain('tw_guard_audit_publish_failures_total 1');
  expect(metrics).toContain('tw_guard_audit_events_buffered 5');
  expect(metrics).toContain('tw_guard_decisions_total{outcome="VALID",reason="OK"} 12');
  expect(guard.logs.filter((l) => l.message.startsWith('audit publish failed'))).toHaveLength(1);
});
