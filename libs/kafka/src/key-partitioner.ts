import { ICustomPartitioner, Partitioners } from 'kafkajs';

// Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2) in 32-bit
// integer arithmetic. kafkajs computes the same hash with a 64-bit Long
// emulation, allocating several objects per key byte group; that was the
// largest single cost of producing a keyed record.
const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 hash of `data` (a signed 32-bit integer, as Java returns it). */
export function murmur2(data: Buffer): number {
  const length = data.length;
  let h = SEED ^ length;
  const length4 = length & ~3;
  for (let i = 0; i < length4; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & 3;
  if (tail === 3) h ^= data[length4 + 2] << 16;
  if (tail >= 2) h ^= data[length4 + 1] << 8;
  if (tail >= 1) h = Math.imul(h ^ data[length4], M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * kafkajs' DefaultPartitioner (Kafka's Java default for keyed records:
 * positive murmur2 of the key bytes modulo the partition count), with the
 * hash in integer arithmetic. Records with an explicit partition or without a
 * key go to kafkajs' own DefaultPartitioner unchanged, so every choice equals
 * what kafkajs would make and one key keeps one partition.
 */
export const keyPartitioner: ICustomPartitioner = () => {
  const kafkajsDefault = Partitioners.DefaultPartitioner();
  return (args) => {
    const { key, partition } = args.message;
    if (partition !== null && partition !== undefined) return partition;
    if (key === null || key === undefined) return kafkajsDefault(args);
    const bytes = Buffer.isBuffer(key) ? key : Buffer.from(String(key));
    return (murmur2(bytes) & 0x7fffffff) % args.partitionMetadata.length;
  };
};
