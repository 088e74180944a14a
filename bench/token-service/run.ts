// Token-service benchmark (issue 3, part 7): validation vs raw jose, issuance with vs without
// publishing, and HTTP figures. Not part of the test suite; see README.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jwtVerify } from 'jose';
import { SCHEDULED } from '../../apps/token-service/src/audit/event-header';
import { createTokenServiceApp } from '../../apps/token-service/src/http/create-app';
import type { TokenServiceRuntime } from '../../apps/token-service/src/runtime/token-service.runtime';
import { compare, fmt, rate, Rate } from './bench-kit';
import { AUDIENCE, BASIC, ISSUER, NO_KAFKA, runtime, topics } from './setup';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const issueRequest = () => ({ body: { grant_type: 'client_credentials', scope: 'read' }, authorization: BASIC, cookieRefreshToken: undefined, ctx: SCHEDULED });
const issue = async (rt: TokenServiceRuntime) => (await rt.c.tokenEndpoint.handle(issueRequest())).body.access_token as string;

async function validation(rt: TokenServiceRuntime): Promise<[Rate, Rate]> {
  const tokens = await Promise.all(Array.from({ length: 1000 }, () => issue(rt)));
  const kid = rt.c.keys.signingKid() ?? '';
  const key = rt.c.store.verificationKey(kid);
  if (key.status !== 'ok') throw new Error('no verification key');
  const joseOptions = {
    algorithms: ['ES256'], issuer: ISSUER, audience: AUDIENCE, typ: 'at+jwt', clockTolerance: rt.c.policy.clockToleranceSeconds,
    requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id', 'aud', 'iss'], maxTokenAge: rt.c.policy.accessToken.lifetimeSeconds,
  };
  // jose verifies on libuv's thread pool (async crypto.verify), so both sides run with the same concurrency.
  const c = Math.max(1, CONCURRENCY / 4);
  // Warm-up: both code paths get JIT-compiled before anything is measured.
  await rate('warm-up', (i) => jwtVerify(tokens[i % tokens.length], key.key, joseOptions), DURATION_MS / 2, c);
  await rate('warm-up', (i) => rt.c.validator.validate(tokens[i % tokens.length]), DURATION_MS / 2, c);
  return compare(
    () => rate(`jose jwtVerify, same tokens (c=${c})`, (i) => jwtVerify(tokens[i % tokens.length], key.key, joseOptions), DURATION_MS, c),
    () => rate(`TokenValidator.validate (c=${c})`, async (i) => {
      const v = await rt.c.validator.validate(tokens[i % tokens.length]);
      if (!v.valid) throw new Error(`unexpected ${v.reason}`);
    }, DURATION_MS, c),
    ROUNDS,
  );
}

async function http(rt: TokenServiceRuntime): Promise<Rate[]> {
  const app = await createTokenServiceApp(rt, ['error']);
  await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  const token = await issue(rt);
  const form = (params: Record<string, string>) => ({
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: BASIC }, body: new URLSearchParams(params).toString(),
  });
  const call = async (path: string, params: Record<string, string>) => {
    const res = await fetch(`${url}${path}`, form(params));
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    await res.arrayBuffer();
  };
  const c = CONCURRENCY / 2;
  for (const [path, params] of [['/v1/validate', { token }], ['/oauth2/introspect', { token }], ['/oauth2/token', { grant_type: 'client_credentials', scope: 'read' }]] as const) {
    await rate('warm-up', () => call(path, params), DURATION_MS / 2, c);
  }
  const out = [
    await rate(`HTTP GET /health, the stack's floor (c=${c})`, async () => (await fetch(`${url}/health`)).arrayBuffer(), DURATION_MS, c),
    await rate(`HTTP POST /v1/validate (c=${c})`, () => call('/v1/validate', { token }), DURATION_MS, CONCURRENCY / 2),
    await rate(`HTTP POST /oauth2/introspect (c=${c})`, () => call('/oauth2/introspect', { token }), DURATION_MS, CONCURRENCY / 2),
    await rate(`HTTP POST /oauth2/token (c=${c}, Kafka acks)`, () => call('/oauth2/token', { grant_type: 'client_credentials', scope: 'read' }), DURATION_MS, CONCURRENCY / 2),
  ];
  await app.close();
  return out;
}

async function main(): Promise<void> {
  const prefix = `bench-token-service-${Date.now().toString(36)}.`;
  await topics(prefix);
  const offline = await runtime(prefix, NO_KAFKA);
  await offline.c.keys.start();
  const online = await runtime(prefix);
  await online.start();

  const [jose, ours] = await validation(offline);
  const [withKafka, without] = await compare(
    () => rate(`issuance, Kafka acks (c=${CONCURRENCY})`, () => issue(online), DURATION_MS, CONCURRENCY),
    () => rate(`issuance, no publishing (c=${CONCURRENCY})`, () => issue(offline), DURATION_MS, CONCURRENCY),
    ROUNDS,
  );
  const httpRates = await http(online);
  await online.stop();

  const validationRatio = ours.opsPerSecond / jose.opsPerSecond;
  const issuanceRatio = withKafka.opsPerSecond / without.opsPerSecond;
  for (const r of [jose, ours, withKafka, without, ...httpRates]) console.log(fmt(r));
  console.log(`validation ratio ${validationRatio.toFixed(2)} (target >= 0.7), issuance ratio ${issuanceRatio.toFixed(2)} (target >= 0.5)`);
  const report = { at: new Date().toISOString(), durationMs: DURATION_MS, rounds: ROUNDS, concurrency: CONCURRENCY, jose, ours, withKafka, without, http: httpRates, validationRatio, issuanceRatio };
  mkdirSync('bench/out', { recursive: true });
  writeFileSync(join('bench/out', `token-service-${report.at.replace(/[:.]/g, '-')}.json`), JSON.stringify(report, null, 2));
  process.exitCode = validationRatio >= 0.7 && issuanceRatio >= 0.5 ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(2);
});
