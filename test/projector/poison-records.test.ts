// FAULTS.md scenario 4: poison records on token-events land on dead-letters
// with their reason, and the partition keeps flowing.
import { randomBytes } from 'node:crypto';
import { DLQ_HEADERS } from '@tokenwarden/kafka';
import { waitFor } from '@tokenwarden/testing';
import { tokenEvent } from './support/events';
import { judge } from './support/oracle';
import { Pipeline } from './support/pipeline';
import { ProjectorProcess } from './support/projector-process';

const KEY = 'one-subject'; // every record on the same partition: poison sits between good records
const MAX_RECORD_BYTES = 8192;

describe('projector: poison records (FAULTS 4)', () => {
  let t: Pipeline;
  let projector: ProjectorProcess | undefined;
  beforeAll(async () => (t = await Pipeline.create('proj_poison')), 30000);
  afterAll(async () => {
    await projector?.kill('SIGKILL');
    await t?.teardown();
  }, 30000);

  it('parks each poison record with source, offset, code and attempts; the partition keeps flowing', async () => {
    const topic = t.names.tokenEvents;
    const good = (i: number) => ({ ...tokenEvent(i), key: KEY });
    const valid = tokenEvent(1000).value;
    const huge = tokenEvent(1001);
    const tenantless = tokenEvent(1002, Date.now(), { tenant_id: '' });
    const fromTheFuture = tokenEvent(1003, Date.now() + 86_400_000);
    const poison: Array<[string, Buffer]> = [
      ['ERR_CODEC_BAD_MAGIC', randomBytes(64)],
      ['ERR_CODEC_UNKNOWN_FINGERPRINT', Buffer.concat([valid.subarray(0, 2), randomBytes(8), valid.subarray(10)])],
      ['ERR_CODEC_TRUNCATED', valid.subarray(0, valid.length - 7)],
      ['ERR_PROJECTOR_FIELD_RULE', tenantless.value],
      ['ERR_PROJECTOR_FIELD_RULE', fromTheFuture.value],
      ['ERR_PROJECTOR_TOO_LARGE', Buffer.concat([huge.value, randomBytes(MAX_RECORD_BYTES)])],
    ];
    // Valid events that break a field rule were published too (oracle item 2) but must not land.
    for (const e of [tenantless, fromTheFuture]) t.published.add(e.id);
    // good, poison, good, poison, ... good: each poison record has good ones after it.
    await t.publish(topic, [good(0)]);
    for (const [i, [, value]] of poison.entries()) {
      await t.publishRaw(topic, KEY, value);
      await t.publish(topic, [good(i + 1), good(i + 101)]);
    }
    const start = Date.now();
    projector = await ProjectorProcess.start(t.projectorEnv({ TW_PROJECTOR_MAX_RECORD_BYTES: String(MAX_RECORD_BYTES) }));
    await waitFor(() => t.drained(), 30000, { what: 'the projector to commit the whole partition' });
    const drainMs = Date.now() - start;

    const ledger = await t.ledger();
    const parked = ledger.deadLetters;
    expect(parked).toHaveLength(poison.length);
    const partition = ledger.source[0].partition;
    const poisonOffsets = ledger.source.filter((r) => poison.some(([, v]) => r.value?.equals(v))).map((r) => r.offset);
    expect(
      parked.map((d) => ({
        code: d.headers[DLQ_HEADERS.errorCode],
        topic: d.headers[DLQ_HEADERS.sourceTopic],
        partition: d.headers[DLQ_HEADERS.sourcePartition],
        offset: d.headers[DLQ_HEADERS.sourceOffset],
        attempts: d.headers[DLQ_HEADERS.attempts],
        key: d.key?.toString(),
      })),
    ).toEqual(
      poison.map(([code], i) => ({ code, topic, partition: String(partition), offset: poisonOffsets[i], attempts: '1', key: KEY })),
    );
    // The original bytes, untouched, so the record can be replayed once fixed.
    expect(parked.map((d) => d.value)).toEqual(poison.map(([, v]) => v));

    const obs = await t.observe();
    expect(judge(obs, t, ledger)).toEqual([]);
    expect(await projector.metric('tw_projector_records_dead_lettered_total', { topic })).toBe(poison.length);
    expect(await projector.metric('tw_projector_records_landed_total', { topic })).toBe(t.landed.size);

    // Negative control: a dead letter the oracle cannot see is a record neither landed nor parked.
    const lost = judge(obs, t, { ...ledger, deadLetters: parked.slice(1) });
    expect(lost).toEqual([`partition ${partition}: consumed ${ledger.committed.get(partition)} != landed ${t.landed.size} + dead-lettered ${poison.length - 1}`]);
    // Negative control: a poison record's event that had landed would be counted twice over.
    const leaked = judge({ ...obs, ids: new Set([...obs.ids, tenantless.id]) }, t, ledger);
    expect(leaked.join('\n')).toMatch(/both landed and dead-lettered/);
    console.log(`poison: ${t.landed.size} good + ${poison.length} poison drained in ${drainMs} ms`);
  }, 60000);
});
