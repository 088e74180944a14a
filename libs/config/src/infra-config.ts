import { field } from './fields';
import { ConfigOf, parseConfig } from './parse-config';

/** Environment shared by every service that talks to Kafka and ClickHouse. */
export const infraSpec = {
  TW_KAFKA_BROKERS: field.list({ default: ['127.0.0.1:19092'] }),
  TW_KAFKA_CLIENT_ID: field.string({ default: 'tokenwarden' }),
  TW_TOPIC_PREFIX: field.string({ default: '' }),
  TW_TOPIC_PARTITIONS: field.int({ default: 3, min: 1, max: 1024 }),
  TW_CLICKHOUSE_URL: field.url({ default: 'http://127.0.0.1:18123' }),
  TW_CLICKHOUSE_USER: field.string({ default: 'default' }),
  TW_CLICKHOUSE_PASSWORD: field.string({ default: '' }),
  TW_CLICKHOUSE_DATABASE: field.string({ default: 'tokenwarden' }),
};
export type InfraConfig = ConfigOf<typeof infraSpec>;

export const loadInfraConfig = (source: Record<string, string | undefined>): InfraConfig =>
  parseConfig(infraSpec, source);
