// FAULTS.md scenario 2: ClickHouse unreachable for a while under load. The
// projector's ClickHouse traffic runs through a proxy this test cuts and
// restores, so the shared server keeps running for everyone else.
import { waitFor } from '@tokenwarden/testing';
import { ClickHouseProxy } from './support/clickhouse-proxy';
import { tokenEvent } from './support/events';
import { Offsets, sameOffsets } from '../support/kafka-read';
import { commitsAheadOfInserts, judge } from './support/oracle';
import { PARTITIONS, Pipeline } from './support/pipeline';
import { ProjectorProcess } from './support/projector-process';

interface Sample {
  committed: Offsets;
  landed: Set<string>;
  end: Offsets;
  retries: number;
}

describe('projector with ClickHouse down under load (FAULTS 2)', () => {
  let t: Pipeline;
  let proxy: ClickHouseProxy;
  let projector: ProjectorProcess | undefined;
  beforeAll(async () => {
    t = await Pipeline.create('proj_chdown');
    proxy = await ClickHouseProxy.start(t.clickhouseUrl);
  }, 30000);
  afterAll(async () => {
    await projector?.kill('SIGKILL');
    await proxy?.close();
    await t?.teardown();
  }, 30000);

  it('pauses without a crash loop, never commits past what it inserted, then catches up', async () => {
    const topic = t.names.tokenEvents;
    projector = await ProjectorProcess.start(t.projectorEnv({ TW_CLICKHOUSE_URL: proxy.url }));
    const p = projector;
    let publishing = true;
    let next = 0;
    const load = (async () => {
      while (publishing) {
        await t.publish(topic, Array.from({ length: 30 }, (_, k) => tokenEvent(next + k)));
        next += 30;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const retries = () => p.metric('tw_projector_batch_retries_total');
    const sample = async (): Promise<Sample> => {
      const committed = await t.committed(); // first: whatever it covers must already be in ClickHouse
      return { committed, landed: (await t.observe()).ids, end: await t.end(), retries: await retries() };
    };

    try {
      await waitFor(async () => (await t.observe()).ids.size >= 300, 30000, { what: 'rows flowing before the outage' });
      proxy.cut();
      // Every partition has met the outage and paused (a retry each), so in-flight batches have settled.
      await waitFor(
        async () => {
          for (let partition = 0; partition < PARTITIONS; partition += 1) {
            if ((await p.metric('tw_projector_batch_retries_total', { topic, partition: String(partition) })) < 1) return false;
          }
          return true;
        },
        20000,
        { what: 'each partition to pause on the outage' },
      );
      const early = await sample();
      // Stay down while the load goes on and the projector keeps retrying with backoff.
      await waitFor(async () => (await retries()) >= early.retries + 6, 30000, { what: 'six more retries while down' });
      const late = await sample();
      const health = await p.health();

      expect(p.alive).toBe(true); // no crash, no restart
      expect(p.logs.filter((l) => l.message === 'projector running')).toHaveLength(1);
      expect(health).toMatchObject({ status: 200, body: { status: 'running', clickhouse: 'down' } });
      expect(await p.metric('tw_projector_insert_failures_total', { code: 'ERR_CLICKHOUSE_UNAVAILABLE' })).toBeGreaterThan(0);
      expect(sameOffsets(late.committed, early.committed)).toBe(true); // paused: nothing committed while down
      expect(late.landed.size).toBe(early.landed.size);
      expect([...late.end.values()].reduce((a, b) => a + b)).toBeGreaterThan([...early.end.values()].reduce((a, b) => a + b)); // under load
      expect(await p.metric('tw_projector_consumer_lag')).toBeGreaterThan(0);

      proxy.restore();
      const restoredAt = Date.now();
      publishing = false;
      await load;
      await waitFor(() => t.drained(), 40000, { what: 'the projector to catch up after ClickHouse returned' });
      const catchUpMs = Date.now() - restoredAt;

      const ledger = await t.ledger();
      for (const s of [early, late]) expect(commitsAheadOfInserts(s.committed, s.landed, ledger.source)).toEqual([]);
      expect(judge(await t.observe(), t, ledger)).toEqual([]);
      expect(p.alive).toBe(true);

      // Negative control: had the projector committed the final offsets while ClickHouse was
      // down, the invariant would name every partition.
      const violations = commitsAheadOfInserts(ledger.committed, late.landed, ledger.source);
      expect(violations).toHaveLength(PARTITIONS);
      console.log(`outage: ${late.retries} retries while down, ${t.landed.size} events, caught up in ${catchUpMs} ms`);
    } finally {
      publishing = false;
      await load;
    }
  }, 120000);
});
