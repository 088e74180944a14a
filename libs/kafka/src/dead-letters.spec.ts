import { DLQ_HEADERS, deadLetterRecord } from './dead-letters';

describe('deadLetterRecord', () => {
  const record = {
    topic: 'token-events',
    partition: 2,
    offset: '41',
    key: Buffer.from('subject-a'),
    value: Buffer.from([0xde, 0xad]),
    headers: { trace: 'abc' },
    timestampMs: 1,
  };

  it('keeps the original bytes and key and names source, reason and attempts', () => {
    const out = deadLetterRecord('dead-letters', { record, code: 'ERR_CODEC_BAD_MAGIC', message: 'bad magic' }, 3, 0);
    expect(out.topic).toBe('dead-letters');
    expect(out.key).toEqual(record.key);
    expect(out.value).toEqual(record.value);
    expect(out.headers).toMatchObject({
      trace: 'abc',
      [DLQ_HEADERS.sourceTopic]: 'token-events',
      [DLQ_HEADERS.sourcePartition]: '2',
      [DLQ_HEADERS.sourceOffset]: '41',
      [DLQ_HEADERS.errorCode]: 'ERR_CODEC_BAD_MAGIC',
      [DLQ_HEADERS.attempts]: '3',
      [DLQ_HEADERS.failedAt]: '1970-01-01T00:00:00.000Z',
    });
  });

  it('bounds the error message so a huge reason cannot bloat the topic', () => {
    const out = deadLetterRecord('dlq', { record, code: 'X', message: 'x'.repeat(10000) }, 1, 0);
    expect(out.headers?.[DLQ_HEADERS.errorMessage]).toHaveLength(500);
  });
});
