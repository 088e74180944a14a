// HSM custody end to end: a real token service on a real SoftHSM token (its own directory) and real Kafka.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, JSONWebKeySet, jwtVerify } from 'jose';
import { testEnv, waitFor } from '@tokenwarden/testing';
import { inspectPrivateKey, SoftHsm, softHsm } from '../../apps/token-service/src/testing/soft-hsm';
import { API } from './support/clients';
import { EventLog } from './support/event-log';
import { clientCredentials, validate } from './support/flows';
import { ADMIN_TOKEN, cluster, Cluster, Instance, ISSUER } from './support/harness';
import { get, post } from './support/http';

const ROOT = join(__dirname, '../..');
let hsm: SoftHsm;
let c: Cluster;
let svc: Instance;
let events: EventLog;
const clock = { ms: Date.now() };

const kidOf = (token: string) => decodeProtectedHeader(token).kid as string;
const jwks = async () => (await get(`${svc.url}/.well-known/jwks.json`)).json as unknown as JSONWebKeySet;
const verify = async (token: string) =>
  jwtVerify(token, createLocalJWKSet(await jwks()), { algorithms: ['ES256'], issuer: ISSUER, audience: API, typ: 'at+jwt', currentDate: new Date(clock.ms) });
const keyFile = () => JSON.parse(readFileSync(join(c.keyDir, 'signing-keys.json'), 'utf8')) as { keys: Array<Record<string, unknown>> };

beforeAll(async () => {
  hsm = softHsm('tw-hsm-e2e');
  c = await cluster('tsvc_hsm');
  events = await EventLog.start(testEnv().kafkaBrokers, c.topics);
  svc = await c.start({ ...hsm.env, TW_KEY_TICK_MS: '3600000' }, { now: () => clock.ms });
  await waitFor(() => svc.runtime.readiness().ready, 20000, { what: 'ready' });
});
afterAll(async () => {
  await events?.stop();
  await c?.stopAll();
  hsm?.remove();
});

describe('signing keys in a PKCS#11 token', () => {
  it('issues over HTTP with an HSM key; jose verifies against the served JWKS and /v1/validate says VALID', async () => {
    const { token } = await clientCredentials(svc);
    const [stored] = keyFile().keys;
    expect(kidOf(token)).toBe(stored.kid);
    expect(stored).toMatchObject({ phase: 'active', pkcs11: { tokenLabel: 'tw-hsm-e2e' } });
    expect(stored).not.toHaveProperty('encryptedPrivateKey');
    expect((await verify(token)).payload).toMatchObject({ client_id: 'billing', aud: API });
    expect(await validate(svc, token)).toMatchObject({ valid: true, reason: 'OK' });
  });

  it('rotation makes a second HSM key; both verify during the overlap; KeyLifecycle says HSM; the PIN is in no log or event', async () => {
    const first = await clientCredentials(svc);
    const rotated = await post(`${svc.url}/v1/keys/rotate`, undefined, { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(rotated.status).toBe(200);
    const k2 = (rotated.json?.steps as Array<{ kid: string }>)[0].kid;
    clock.ms += 301_000; // one JWKS cache lifetime: the successor signs
    await svc.runtime.c.keys.tick();
    const second = await clientCredentials(svc);
    expect(kidOf(second.token)).toBe(k2);
    expect((await jwks()).keys.map((k) => k.kid)).toEqual([k2, kidOf(first.token)]);
    for (const t of [first.token, second.token]) {
      await expect(verify(t)).resolves.toBeDefined();
      expect(await validate(svc, t)).toMatchObject({ valid: true, reason: 'OK' });
    }
    const stored = keyFile().keys;
    expect(stored.map((k) => (k.pkcs11 as { id: string }).id)).toHaveLength(2);
    expect(JSON.stringify(stored)).not.toContain('encryptedPrivateKey');

    const keyEvents = () => events.records.filter((r) => r.topic === c.topics.keyEvents).map((r) => r.event?.value as unknown as Record<string, unknown>);
    await waitFor(() => keyEvents().some((e) => e.kid === k2 && e.phase === 'ACTIVATED'), 10000, { what: 'key events' });
    expect(new Set(keyEvents().map((e) => e.storage))).toEqual(new Set(['HSM']));
    expect(JSON.stringify(svc.logs)).not.toContain(hsm.pin);
    expect(JSON.stringify(events.records)).not.toContain(hsm.pin);

    // After the service closed its session: both private keys are token objects that never leave the token.
    await c.stopAll();
    for (const k of stored) {
      expect(inspectPrivateKey(hsm, (k.pkcs11 as { id: string }).id)).toMatchObject({ count: 1, extractable: false, sensitive: true, readValue: 'CKR_ATTRIBUTE_SENSITIVE' });
    }
  });
});

describe('boot with a bad HSM setting', () => {
  function boot(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['-r', join(ROOT, 'scripts/ts-register.js'), join(ROOT, 'apps/token-service/src/main.ts')], {
        cwd: ROOT,
        env: {
          ...process.env, SOFTHSM2_CONF: hsm.conf, TW_ISSUER: ISSUER, TW_KAFKA_BROKERS: testEnv().kafkaBrokers.join(','), TW_HTTP_PORT: '0',
          TW_KEY_ENCRYPTION_KEY: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
          TW_SUBJECT_REF_KEY: 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3A', TW_CLIENTS_FILE: c.clientsFile, ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.on('exit', (code) => resolve({ code, out }));
    });
  }

  it('a missing PIN stops the process (exit 2) naming the variables', async () => {
    const { code, out } = await boot({ ...hsm.env, TW_KEY_PKCS11_PIN: '' });
    expect(code).toBe(2);
    expect(out).toContain('TW_KEY_PKCS11_PIN or TW_KEY_PKCS11_PIN_FILE is required with TW_KEY_PKCS11_MODULE');
  });

  it('a wrong PIN stops the process (exit 1) naming the variable, and neither PIN is printed', async () => {
    const wrong = `${hsm.pin}-wrong`;
    const { code, out } = await boot({ ...hsm.env, TW_KEY_PKCS11_PIN: wrong });
    expect(code).toBe(1);
    expect(out).toContain('TW_KEY_PKCS11_PIN or TW_KEY_PKCS11_PIN_FILE: login to token \\"tw-hsm-e2e\\" refused (CKR_PIN_INCORRECT)');
    expect(out).not.toContain(hsm.pin);
  });

  it('a policy that signs RS256 with HSM custody stops the boot with a clear error', async () => {
    const { code, out } = await boot({ ...hsm.env, TW_POLICY_FILE: policyFile('RS256') });
    expect(code).toBe(1);
    expect(out).toContain('the policy signs with RS256; PKCS#11 custody (TW_KEY_PKCS11_MODULE) supports ES256 only');
  });
});

function policyFile(signing: string): string {
  const policy = JSON.parse(readFileSync(join(ROOT, 'config/policy.json'), 'utf8')) as { algorithms: Record<string, unknown> };
  policy.algorithms = { ...policy.algorithms, allowed: [signing], signing };
  const file = join(hsm.dir, `policy-${signing}.json`);
  writeFileSync(file, JSON.stringify(policy));
  return file;
}
