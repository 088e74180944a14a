import { listSamples, readGolden } from '../fixtures/samples';
import { SchemaCatalog } from './catalog';
import { EventCodec, MAGIC } from './codec';
import { CODEC_ERROR_CODES, EventCodecError } from './errors';

// Seeded, so a failure reproduces: the seed and the case index are in the message.
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const SEED = 20241129;
const random = rng(SEED);
const int = (n: number) => Math.floor(random() * n);
const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
const HUGE_VARINTS = [Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40]), Buffer.alloc(12, 0xff), Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x0f])];

const codec = new EventCodec();
const catalog = SchemaCatalog.load();
const seeds = listSamples().map((s) => readGolden(s.name));
const fingerprints = catalog.typeNames.flatMap((t) => catalog.versions(t).map((v) => v.fingerprint));

function mutate(src: Buffer): Buffer {
  const b = Buffer.from(src);
  const at = 10 + int(Math.max(1, b.length - 10)); // mostly past the header: the interesting part
  switch (int(8)) {
    case 0:
      for (let i = 1 + int(3); i > 0; i--) b[Math.min(at + int(4), b.length - 1)] ^= 1 << int(8);
      return b;
    case 7:
      return Buffer.concat([b, bytes(1 + int(4))]);
    case 1:
      b[at % b.length] = int(256);
      return b;
    case 2:
      return Buffer.concat([b.subarray(0, at), bytes(1 + int(8)), b.subarray(at)]);
    case 3:
      return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(16))]);
    case 4:
      return b.subarray(0, at);
    case 5:
      return Buffer.concat([b.subarray(0, at), HUGE_VARINTS[int(3)], b.subarray(at + 1)]);
    default:
      return Buffer.concat([b.subarray(0, at), b.subarray(int(b.length), int(b.length)), b.subarray(at)]);
  }
}

function generate(i: number): Buffer {
  switch (i % 4) {
    case 0:
      return bytes(int(300));
    case 1:
      return Buffer.concat([MAGIC, fingerprints[int(fingerprints.length)], bytes(int(400))]);
    default:
      return mutate(i % 8 === 2 ? mutate(seeds[int(seeds.length)]) : seeds[int(seeds.length)]);
  }
}

describe('decode under fuzzing', () => {
  it('throws only EventCodecError, quickly, and anything it accepts is a valid event', () => {
    const counts: Record<string, number> = {};
    let slowest = 0;
    for (let i = 0; i < 12000; i++) {
      const input = generate(i);
      const started = process.hrtime.bigint();
      let outcome = 'decoded';
      try {
        const event = codec.decode(input);
        // Accepted bytes must yield a value the current schema accepts, uuids and all.
        codec.encode(event.type, event.value as never);
      } catch (err) {
        if (!(err instanceof EventCodecError) || !CODEC_ERROR_CODES.includes(err.code)) {
          throw new Error(`seed ${SEED}, case ${i} (${input.toString('hex')}): ${String(err)}`);
        }
        // A cause means avsc failed after the guard passed it: the guard missed something.
        if (err.cause !== undefined) throw new Error(`seed ${SEED}, case ${i}: guard let through ${String(err.cause)}`);
        outcome = err.code;
      }
      slowest = Math.max(slowest, Number(process.hrtime.bigint() - started) / 1e6);
      counts[outcome] = (counts[outcome] ?? 0) + 1;
    }
    expect(slowest).toBeLessThan(250); // generous: CI shares two cores; a hang or an unbounded allocation takes seconds
    // The generator must actually reach the interesting paths, not just bounce off the magic.
    for (const code of ['decoded', 'ERR_CODEC_BAD_MAGIC', 'ERR_CODEC_TRUNCATED', 'ERR_CODEC_MALFORMED', 'ERR_CODEC_TRAILING_BYTES', 'ERR_CODEC_TOO_LARGE', 'ERR_CODEC_INVALID_VALUE']) {
      expect([code, (counts[code] ?? 0) > 20]).toEqual([code, true]);
    }
  });
});
