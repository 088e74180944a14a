// Focused validator benchmark (see README.md, "Validator speed-up"): no Kafka, no HTTP.
// Default: sequential CPU per op and a jose/validator ops/s comparison. BASELINE=<dir with a
// previous libs/jwt/src>: jose, that validator and the current one side by side, with main-thread
// and process CPU per op. MODE=prof: only the current validator, for --cpu-prof. Not a test.
import { readFileSync } from 'node:fs';
import { jwtVerify } from 'jose';
import { SCHEDULED } from '../../apps/token-service/src/audit/event-header';
import { compare, fmt, rate } from './bench-kit';
import { AUDIENCE, BASIC, ISSUER, NO_KAFKA, runtime } from './setup';

const D = Number(process.env.BENCH_DURATION_MS ?? 1500);
const R = Number(process.env.BENCH_ROUNDS ?? 5);
const C = Number(process.env.BENCH_CONCURRENCY ?? 32);
const MODE = process.env.MODE ?? 'compare';
async function main() {
  const rt = await runtime('micro.', NO_KAFKA);
  await rt.c.keys.start();
  const issue = async () => (await rt.c.tokenEndpoint.handle({ body: { grant_type: 'client_credentials', scope: 'read' }, authorization: BASIC, cookieRefreshToken: undefined, ctx: SCHEDULED })).body.access_token as string;
  const tokens = await Promise.all(Array.from({ length: 1000 }, () => issue()));
  const kid = rt.c.keys.signingKid() ?? '';
  const key = rt.c.store.verificationKey(kid);
  if (key.status !== 'ok') throw new Error('no key');
  const o = { algorithms: ['ES256'], issuer: ISSUER, audience: AUDIENCE, typ: 'at+jwt', clockTolerance: rt.c.policy.clockToleranceSeconds,
    requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id', 'aud', 'iss'], maxTokenAge: rt.c.policy.accessToken.lifetimeSeconds };
  const c = Math.max(1, C / 4);
  const jose = (i: number) => jwtVerify(tokens[i % 1000], key.key, o);
  const ours = async (i: number) => { const v = await rt.c.validator.validate(tokens[i % 1000]); if (!v.valid) throw new Error(v.reason); };
  // BASELINE=<dir with the previous libs/jwt/src>: the old validator, same deps, measured side by side.
  if (process.env.BASELINE) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Old = require(`${process.env.BASELINE}/token-validator.ts`).TokenValidator;
    const deps = (rt.c.validator as unknown as { deps: { pseudonyms: unknown } }).deps;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const OldPseudonyms = require(`${process.env.BASELINE}/subject-ref.ts`).SubjectPseudonymizer;
    const old = new Old({ ...deps, pseudonyms: new OldPseudonyms((deps.pseudonyms as unknown as { key: Buffer }).key) });
    const before = async (i: number) => { const v = await old.validate(tokens[i % 1000]); if (!v.valid) throw new Error(v.reason); };
    await rate('w', before, D / 2, c); await rate('w', ours, D / 2, c); await rate('w', jose, D / 2, c);
    // Besides ops/s (noisy on a shared box), CPU per operation: the main thread's own time
    // (/proc schedstat: only time actually on a CPU, so other processes' load does not count)
    // and the whole process's (main thread + libuv pool doing the signature math).
    const mainNs = () => Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
    const measure = async (name: string, f: (i: number) => Promise<unknown>) => {
      const m0 = mainNs(); const c0 = process.cpuUsage();
      const r = await rate(name, f, D, c);
      const cpu = process.cpuUsage(c0);
      return { ops: r.opsPerSecond, mainUs: (mainNs() - m0) / 1000 / r.ops, cpuUs: (cpu.user + cpu.system) / r.ops };
    };
    const runs: Record<'jose' | 'before' | 'after', { ops: number; mainUs: number; cpuUs: number }[]> = { jose: [], before: [], after: [] };
    for (let r = 0; r < R; r++) {
      runs.jose.push(await measure('jose', jose));
      runs.before.push(await measure('before', before));
      runs.after.push(await measure('after', ours));
    }
    const m = (x: number[]) => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)];
    for (const k of ['jose', 'before', 'after'] as const) {
      console.log(`${k.padEnd(7)} ops/s ${m(runs[k].map((x) => x.ops)).toFixed(0).padStart(6)}  main thread ${m(runs[k].map((x) => x.mainUs)).toFixed(1).padStart(6)} µs/op  process CPU ${m(runs[k].map((x) => x.cpuUs)).toFixed(1).padStart(6)} µs/op`);
    }
    const ratio = (k: 'before' | 'after') => m(runs[k].map((x, i) => x.ops / runs.jose[i].ops));
    console.log(`c=${c} rounds=${R}: per-round ops/s ratio vs jose, median: before ${ratio('before').toFixed(3)} after ${ratio('after').toFixed(3)}`);
    return;
  }
  if (MODE === 'prof') { await rate('ours', ours, D * R, c); return; }
  await rate('w', jose, D / 2, c); await rate('w', ours, D / 2, c);
  // sequential CPU per op
  const cpu = async (f: (i: number) => Promise<unknown>, n: number) => { const s = process.cpuUsage(); for (let i = 0; i < n; i++) await f(i); const d = process.cpuUsage(s); return (d.user + d.system) / n; };
  const cj: number[] = [], co: number[] = [];
  for (let r = 0; r < R; r++) { cj.push(await cpu(jose, 2000)); co.push(await cpu(ours, 2000)); }
  const med = (x: number[]) => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)];
  console.log(`cpu µs/op sequential: jose ${med(cj).toFixed(1)} ours ${med(co).toFixed(1)}`);
  const [a, b] = await compare(() => rate(`jose c=${c}`, jose, D, c), () => rate(`ours c=${c}`, ours, D, c), R);
  console.log(fmt(a)); console.log(fmt(b)); console.log(`ratio ${(b.opsPerSecond / a.opsPerSecond).toFixed(3)}`);
}
main().then(() => process.exit(0), (e) => { console.error(e); process.exit(2); });
