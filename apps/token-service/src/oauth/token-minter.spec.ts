import { EventCodec } from '@tokenwarden/events';
import { OutgoingRecord, topicNames } from '@tokenwarden/kafka';
import { AuditPublisher } from '../audit/audit-publisher';
import { HeaderFactory, SCHEDULED } from '../audit/event-header';
import { ServiceMetrics, silentLog } from '../audit/service-metrics';
import { ClientRegistry } from '../clients/client-registry';
import { RevocationEvents } from '../revocation/revocation-events';
import { RevocationSet } from '@tokenwarden/jwt';
import { clientsFile } from '../testing/client-kit';
import { ISSUER, setup } from '../testing/token-kit';
import { AccessTokenIssuer } from '../tokens/access-token-issuer';
import { LiveTokens } from '../tokens/live-tokens';
import { RefreshFamilies } from '../tokens/refresh-families';
import { MintInput, TokenMinter } from './token-minter';

async function build() {
  const kit = await setup();
  const registry = ClientRegistry.fromJson((await clientsFile()).json, kit.policy);
  const now = () => kit.clock.ms;
  const sink = { fail: false, sent: [] as OutgoingRecord[], publishAll: async (r: readonly OutgoingRecord[]) => {
    if (sink.fail) throw new Error('down');
    sink.sent.push(...r);
  } };
  const metrics = new ServiceMetrics();
  const headers = new HeaderFactory({ service: 'token-service', instance: 't', version: '0' }, 'default', now);
  const audit = new AuditPublisher({ codec: new EventCodec(), sink, topics: topicNames(), metrics, log: silentLog, ackTimeoutMs: 100 });
  const families = new RefreshFamilies(kit.policy, now);
  const live = new LiveTokens(now);
  const set = new RevocationSet(1000);
  const issuer = new AccessTokenIssuer({ policy: kit.policy, issuer: ISSUER, keys: kit.store, audiences: registry, now });
  const minter = new TokenMinter({
    issuerId: ISSUER, issuer, families, live, audit, headers, pseudonyms: kit.pseudonyms, metrics, set, now,
    revocations: new RevocationEvents(ISSUER, headers, kit.pseudonyms),
  });
  const input = (patch: Partial<MintInput> = {}): MintInput => ({
    ctx: SCHEDULED, client: registry.get('web-app')!, grantType: 'urn:ietf:params:oauth:grant-type:token-exchange', subject: 'user-1',
    audience: 'https://api.tokenwarden.test', scopes: ['read'], consentedScopes: [], sessionId: 's-1', consentRef: 'c-1', refresh: { kind: 'family' }, ...patch,
  });
  return { sink, families, live, set, minter, input };
}

describe('TokenMinter', () => {
  it('hands out tokens only after both TokenIssued events were acknowledged', async () => {
    const { sink, minter, input, live } = await build();
    const m = await minter.mint(input());
    expect(m.refresh?.token).toMatch(/^[\w-]{22}\.[\w-]{43}$/);
    expect(sink.sent.filter((r) => r.topic === 'token-events')).toHaveLength(2);
    expect(live.size).toBe(1);
  });

  it('Kafka refuses → 503 temporarily_unavailable; the new family is discarded and nothing is recorded', async () => {
    const { sink, minter, input, families, live } = await build();
    sink.fail = true;
    await expect(minter.mint(input())).rejects.toMatchObject({ status: 503, error: 'temporarily_unavailable' });
    expect([families.size, live.size]).toEqual([0, 0]);
  });

  it('Kafka refuses a refresh → the rotation is undone, the presented token still rotates (not reuse)', async () => {
    const { sink, minter, input, families } = await build();
    const first = await minter.mint(input());
    const r = families.rotate(first.refresh!.token, 'web-app');
    if (r.kind !== 'ROTATED') throw new Error(r.kind);
    sink.fail = true;
    await expect(minter.mint(input({ grantType: 'refresh_token', refresh: { kind: 'rotated', rotation: r } }))).rejects.toMatchObject({ status: 503 });
    expect(families.rotate(first.refresh!.token, 'web-app').kind).toBe('ROTATED');
  });

  it('a reuse detected while the access token was being signed: the new token is revoked with its issuance', async () => {
    const { sink, minter, input, families, set } = await build();
    const first = await minter.mint(input());
    const r = families.rotate(first.refresh!.token, 'web-app');
    if (r.kind !== 'ROTATED') throw new Error(r.kind);
    const pending = minter.mint(input({ grantType: 'refresh_token', refresh: { kind: 'rotated', rotation: r } }));
    expect(families.rotate(first.refresh!.token, 'web-app').kind).toBe('REUSE_DETECTED'); // while signing
    const m = await pending;
    const jti = JSON.parse(Buffer.from(m.accessToken.split('.')[1], 'base64url').toString()).jti as string;
    expect(set.isRevoked(ISSUER, jti)).toBe(true);
    expect(sink.sent.some((x) => x.topic === 'revocations' && x.key === `${ISSUER} ${jti}`)).toBe(true);
  });

  it('a policy denial undoes the rotation and answers the mapped OAuth error', async () => {
    const { minter, input, families } = await build();
    const first = await minter.mint(input());
    const r = families.rotate(first.refresh!.token, 'web-app');
    if (r.kind !== 'ROTATED') throw new Error(r.kind);
    await expect(minter.mint(input({ grantType: 'refresh_token', audience: 'https://nope', refresh: { kind: 'rotated', rotation: r } })))
      .rejects.toMatchObject({ status: 400, error: 'invalid_target' });
    expect(families.rotate(first.refresh!.token, 'web-app').kind).toBe('ROTATED');
  });
});
