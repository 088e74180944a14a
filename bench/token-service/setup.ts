// Builds what the benchmark measures: real components, keys and clients, against the local Kafka.
import { randomBytes } from 'node:crypto';
import { bootstrapTopics, KafkaConnection, topicNames, topicSpecs } from '@tokenwarden/kafka';
import { loadPolicyFile } from '@tokenwarden/policy';
import type { RecordSink } from '../../apps/token-service/src/audit/audit-publisher';
import { silentLog } from '../../apps/token-service/src/audit/service-metrics';
import { ClientRegistry } from '../../apps/token-service/src/clients/client-registry';
import { TokenServiceRuntime } from '../../apps/token-service/src/runtime/token-service.runtime';
import { clientsFile, SECRET } from '../../apps/token-service/src/testing/client-kit';
import { loadTokenServiceConfig } from '../../apps/token-service/src/token-service.config';

export const ISSUER = 'https://id.tokenwarden.test';
export const AUDIENCE = 'https://api.tokenwarden.test';
export const BASIC = `Basic ${Buffer.from(`billing:${SECRET}`).toString('base64')}`;
const BROKERS = process.env.TW_KAFKA_BROKERS ?? '127.0.0.1:19092';

/** A runtime with its topics; `sink` replaces Kafka for the "without publishing" measurement. */
export async function runtime(prefix: string, sink?: RecordSink): Promise<TokenServiceRuntime> {
  const policy = loadPolicyFile('config/policy.json');
  const clients = ClientRegistry.fromJson((await clientsFile()).json, policy);
  const config = loadTokenServiceConfig({
    TW_ISSUER: ISSUER, TW_KAFKA_BROKERS: BROKERS, TW_TOPIC_PREFIX: prefix, TW_DEFAULT_AUDIENCE: AUDIENCE, TW_INSTANCE_ID: `bench-${randomBytes(3).toString('hex')}`,
    TW_KEY_ENCRYPTION_KEY: randomBytes(32).toString('hex'), TW_SUBJECT_REF_KEY: randomBytes(32).toString('hex'),
  });
  return new TokenServiceRuntime({ config, log: silentLog, policy, clients, sink });
}

export async function topics(prefix: string): Promise<void> {
  const conn = new KafkaConnection({ brokers: BROKERS.split(','), clientId: 'bench-bootstrap' });
  await bootstrapTopics(conn, topicSpecs(topicNames(prefix), 3));
}

/** A sink that acknowledges at once: issuance without publishing. */
export const NO_KAFKA: RecordSink = { publishAll: async () => undefined };
