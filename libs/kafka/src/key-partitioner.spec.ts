import { randomBytes } from 'node:crypto';
import { Partitioners, PartitionerArgs, PartitionMetadata } from 'kafkajs';
import { keyPartitioner, murmur2 } from './key-partitioner';

function setup(partitionCount: number) {
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitionCount }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
  }));
  const args = (key: string | Buffer | null, partition?: number): PartitionerArgs => ({ topic: 't', partitionMetadata, message: { key, value: null, partition } });
  return { args, ours: keyPartitioner(), kafkajs: Partitioners.DefaultPartitioner() };
}

/** Keys of every length 0..80 (each tail length of the hash), ASCII, multi-byte UTF-8 and raw bytes. */
function sampleKeys(): Array<string | Buffer> {
  const keys: Array<string | Buffer> = [];
  for (let length = 0; length <= 80; length += 1) {
    keys.push(randomBytes(length));
    keys.push(randomBytes(length).toString('hex').slice(0, length));
    keys.push('ü€𝄞x'.repeat(length).slice(0, length));
  }
  for (let i = 0; i < 3000; i += 1) keys.push(randomBytes(32).toString('hex'));
  return keys;
}

describe('murmur2', () => {
  it("equals Kafka's murmur2 on the reference values of its Java test (UtilsTest.testMurmur2)", () => {
    const cases: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ];
    for (const [key, hash] of cases) expect(murmur2(Buffer.from(key))).toBe(hash);
    expect(murmur2(Buffer.from([97, 98, 99]))).toBe(479470107);
  });
});

describe('keyPartitioner', () => {
  it("chooses the partition kafkajs' DefaultPartitioner chooses, for every key and partition count", () => {
    const keys = sampleKeys();
    for (const partitionCount of [1, 2, 3, 6, 7, 12, 50, 1000]) {
      const { args, ours, kafkajs } = setup(partitionCount);
      const differing = keys.filter((key) => ours(args(key)) !== kafkajs(args(key)));
      expect(differing).toEqual([]);
    }
  });

  it('spreads keys over every partition', () => {
    const { args, ours } = setup(6);
    const used = new Set(sampleKeys().map((key) => ours(args(key))));
    expect([...used].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('keeps an explicit partition and spreads keyless records round-robin, as kafkajs does', () => {
    const { args, ours } = setup(3);
    expect(ours(args('any-key', 2))).toBe(2);
    const keyless = Array.from({ length: 6 }, () => ours(args(null)));
    expect(new Set(keyless).size).toBe(3);
    expect(keyless.slice(3)).toEqual(keyless.slice(0, 3));
  });
});
