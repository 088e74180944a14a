import { OutgoingRecord } from '@tokenwarden/kafka';
import { IngestError } from '../ingest-error';
import { IdempotentPublisher } from './idempotent-publisher';
import { SeenEvents } from './seen-events';

const rec = (id: string): { id: string; record: OutgoingRecord } => ({ id, record: { topic: 't', key: id, value: Buffer.from(id) } });

function setup(ackTimeoutMs = 1000) {
  const sent: string[] = [];
  let behaviour: 'ack' | 'fail' | 'hang' = 'ack';
  const publish = (r: OutgoingRecord) => {
    sent.push(String(r.key));
    if (behaviour === 'ack') return Promise.resolve();
    if (behaviour === 'fail') return Promise.reject(new Error('broker down'));
    return new Promise<void>(() => undefined);
  };
  const publisher = new IdempotentPublisher(new SeenEvents(100, 60_000, () => 0), publish, ackTimeoutMs);
  return { publisher, sent, set: (b: typeof behaviour) => (behaviour = b) };
}

describe('IdempotentPublisher', () => {
  it('publishes each id once across retries and within one request', async () => {
    const { publisher, sent } = setup();
    expect(await publisher.publishOnce('p', [rec('a'), rec('b'), rec('a')])).toEqual({ published: ['a', 'b'], duplicates: [] });
    expect(await publisher.publishOnce('p', [rec('a'), rec('b'), rec('c')])).toEqual({ published: ['c'], duplicates: ['a', 'b'] });
    expect(await publisher.publishOnce('q', [rec('a')])).toEqual({ published: ['a'], duplicates: [] });
    expect(sent).toEqual(['a', 'b', 'c', 'a']);
  });

  it('answers 503 when Kafka refuses, and a retry publishes again', async () => {
    const { publisher, sent, set } = setup();
    set('fail');
    await expect(publisher.publishOnce('p', [rec('a')])).rejects.toMatchObject({ code: 'ERR_INGEST_UNAVAILABLE', status: 503 });
    set('ack');
    expect(await publisher.publishOnce('p', [rec('a')])).toEqual({ published: ['a'], duplicates: [] });
    expect(sent).toEqual(['a', 'a']);
  });

  it('answers 503 when no acknowledgement comes in time', async () => {
    const { publisher, set } = setup(20);
    set('hang');
    const err = await publisher.publishOnce('p', [rec('a')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect((err as IngestError).extra.retryAfterSeconds).toBe(5);
  });

  it('a concurrent retry waits for the first publish instead of publishing again', async () => {
    const { publisher, sent } = setup();
    const [first, second] = await Promise.all([publisher.publishOnce('p', [rec('a')]), publisher.publishOnce('p', [rec('a')])]);
    expect(first).toEqual({ published: ['a'], duplicates: [] });
    expect(second).toEqual({ published: [], duplicates: ['a'] });
    expect(sent).toEqual(['a']);
  });
});
