// FAULTS.md scenario 5: the consumer group's offsets rewound by thousands of
// records; the projector re-inserts them and nothing analysts see changes.
import { sql } from '@tokenwarden/clickhouse';
import { waitFor } from '@tokenwarden/testing';
import { alertEvent, keyEvent, tokenEvent } from './support/events';
import { judge } from './support/oracle';
import { Pipeline } from './support/pipeline';
import { ProjectorProcess } from './support/projector-process';

const TOKEN_EVENTS = 3000;
const INCIDENTS = 20;
const VERSIONS = 3;

describe('projector after a consumer-group rewind (FAULTS 5)', () => {
  let t: Pipeline;
  const running: ProjectorProcess[] = [];
  beforeAll(async () => (t = await Pipeline.create('proj_rewind')), 30000);
  afterAll(async () => {
    for (const p of running) await p.kill('SIGKILL');
    await t?.teardown();
  }, 30000);

  /** What analysts read: deduplicated views, materialized per-token and per-subject counts, alerts. */
  async function analystView() {
    const db = (name: string) => sql.identifier(`${t.database}.${name}`);
    const q = (text: string) => t.store.query(text);
    return {
      tokenEvents: await q(`SELECT event_type, toString(count()) AS n FROM ${db('token_events_v')} GROUP BY event_type ORDER BY event_type`),
      keyEvents: await q(`SELECT kid, phase FROM ${db('key_events_v')} ORDER BY kid, phase`),
      alerts: await q(`SELECT alert_id, toString(count) AS version, status FROM ${db('alerts_v')} ORDER BY alert_id`),
      lifecycle: await q(`SELECT toString(count()) AS tokens, toString(sum(issued)) AS issued, toString(sum(validations)) AS validations FROM ${db('token_lifecycle')}`),
      reissues: await q(`SELECT toString(sum(tokens_issued)) AS issued FROM ${db('subject_reissues_5m')}`),
    };
  }

  it('keeps analyst counts and the alert set unchanged', async () => {
    const topics = [t.names.tokenEvents, t.names.alerts, t.names.keyEvents];
    await t.publish(t.names.tokenEvents, Array.from({ length: TOKEN_EVENTS }, (_, i) => tokenEvent(i)), { chunk: 250 });
    for (let v = 1; v <= VERSIONS; v += 1) {
      await t.publish(t.names.alerts, Array.from({ length: INCIDENTS }, (_, i) => alertEvent(i, v)));
    }
    await t.publish(t.names.keyEvents, [keyEvent('k1', 'GENERATED'), keyEvent('k1', 'ACTIVATED'), keyEvent('k2', 'GENERATED')]);

    const env = t.projectorEnv({ TW_PROJECTOR_MAX_BYTES_PER_PARTITION: '262144' });
    const first = await ProjectorProcess.start(env);
    running.push(first);
    await waitFor(() => t.drained(topics), 60000, { what: 'the first projector to drain' });
    const before = await analystView();
    expect(before.alerts).toHaveLength(INCIDENTS);
    expect(before.alerts.every((a) => a.version === String(VERSIONS) && a.status === 'UPDATED')).toBe(true);
    await first.kill('SIGTERM');
    expect(first.logs.map((l) => l.message)).toContain('projector stopped');
    expect(await t.drained(topics)).toBe(true); // graceful stop left nothing uncommitted

    // Rewind: every record of token-events and alerts is consumed again.
    for (const topic of [t.names.tokenEvents, t.names.alerts]) {
      const end = await t.end(topic);
      await t.admin.setOffsets({ groupId: t.group, topic, partitions: [...end.keys()].map((partition) => ({ partition, offset: '0' })) });
    }
    const rewound = [...(await t.committed()).values()].reduce((a, b) => a + b, 0);
    expect(rewound).toBe(0);

    const second = await ProjectorProcess.start(env);
    running.push(second);
    await waitFor(() => t.drained(topics), 60000, { what: 'the second projector to drain the rewound log' });
    expect(await second.metric('tw_projector_records_landed_total', { topic: t.names.tokenEvents })).toBe(TOKEN_EVENTS);
    expect(await second.metric('tw_projector_records_landed_total', { topic: t.names.alerts })).toBe(INCIDENTS * VERSIONS);

    expect(await analystView()).toEqual(before);
    const obs = await t.observe();
    expect(judge(obs, t, await t.ledger())).toEqual([]);

    // Negative controls: without dedup, the replay shows as doubled events and tripled-then-doubled alerts.
    const raw = await t.observe({ countFrom: 'token_events' });
    expect(raw.analystCount).toBe(2 * TOKEN_EVENTS);
    expect(judge(raw, t)).toEqual([`analysts count ${2 * TOKEN_EVENTS} events, ${TOKEN_EVENTS} were acknowledged`]);
    const [{ n: alertRows }] = await t.store.query<{ n: string }>(`SELECT toString(count()) AS n FROM ${sql.identifier(`${t.database}.alerts`)}`);
    expect(Number(alertRows)).toBe(2 * INCIDENTS * VERSIONS);
    console.log(`rewind: ${TOKEN_EVENTS + INCIDENTS * VERSIONS} records replayed, analyst view unchanged`);
  }, 150000);
});
