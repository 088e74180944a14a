import { ConsumedRecord, OutgoingRecord } from './records';

/** Header names on every dead-lettered record: where it came from and why it was parked. */
export const DLQ_HEADERS = {
  sourceTopic: 'tw-source-topic',
  sourcePartition: 'tw-source-partition',
  sourceOffset: 'tw-source-offset',
  errorCode: 'tw-error-code',
  errorMessage: 'tw-error-message',
  attempts: 'tw-attempts',
  failedAt: 'tw-failed-at',
} as const;

export interface Rejection {
  record: ConsumedRecord;
  code: string;
  message: string;
}

const MAX_MESSAGE_CHARS = 500;

/** Builds the dead-letter record: the original key and bytes, untouched, plus the reason headers. */
export function deadLetterRecord(topic: string, r: Rejection, attempts: number, nowMs: number): OutgoingRecord {
  return {
    topic,
    key: r.record.key,
    value: r.record.value,
    headers: {
      ...r.record.headers,
      [DLQ_HEADERS.sourceTopic]: r.record.topic,
      [DLQ_HEADERS.sourcePartition]: String(r.record.partition),
      [DLQ_HEADERS.sourceOffset]: r.record.offset,
      [DLQ_HEADERS.errorCode]: r.code,
      [DLQ_HEADERS.errorMessage]: r.message.slice(0, MAX_MESSAGE_CHARS),
      [DLQ_HEADERS.attempts]: String(attempts),
      [DLQ_HEADERS.failedAt]: new Date(nowMs).toISOString(),
    },
  };
}
