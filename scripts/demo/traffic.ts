/**
 * The demo's traffic generator: real HTTP calls to the token service, each
 * from the loopback address of the party that makes it (identity services,
 * service clients and resource-server instances each have their own 127.x
 * address, so `ip` in the events tells them apart; trust proxy is off, so the
 * recorded ip is always the TCP peer).
 *
 * Normal traffic: users log in through an identity service (token exchange,
 * the documented user grant), resource servers validate their access tokens,
 * some refresh, some log out (revocation), two are erased; service clients
 * use client_credentials. Attacks are injected at fixed points of the run;
 * each one records what it did and which alert (rule id + group key) must
 * catch it.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { decodeJwt, generateKeyPair, SignJWT } from 'jose';
import { DemoClients, IdentityClient, SecretClient } from './clients';
import { sleep } from './processes';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface Reply { readonly status: number; readonly body: Record<string, unknown> }

/** One injected attack and the alert that must catch it. */
export interface Attack {
  readonly name: string;
  readonly what: string;
  /** Rules any one of which counts as caught; the first is the one designed for it. */
  readonly rules: readonly string[];
  readonly groupKey: string;
  readonly groupKeyLabel: string;
  readonly at: number;
}

export interface TrafficStats {
  requests: number;
  byKind: Record<string, number>;
  httpErrors: number;
  unexpected: string[];
  users: number;
  erased: string[];
}

export interface TrafficOptions {
  readonly baseUrl: string;
  readonly issuer: string;
  readonly clients: DemoClients;
  readonly adminToken: string;
  readonly subjectRefKey: string;
  readonly users: number;
  readonly seconds: number;
}

const agents = new Map<string, Agent>();
function agentFor(ip: string): Agent {
  let a = agents.get(ip);
  if (!a) agents.set(ip, (a = new Agent({ keepAlive: true, localAddress: ip, maxSockets: 16 })));
  return a;
}

export function closeAgents(): void {
  for (const a of agents.values()) a.destroy();
  agents.clear();
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)];
const between = (lo: number, hi: number) => lo + Math.random() * (hi - lo);

export class Traffic {
  readonly stats: TrafficStats = { requests: 0, byKind: {}, httpErrors: 0, unexpected: [], users: 0, erased: [] };
  readonly attacks: Attack[] = [];
  /** Names of the attacks run() injects, in order. */
  readonly plannedAttacks = ['reissue storm', 'forged token: alg none', 'revoked token replayed', 'forged token: wrong key',
    'refresh token reused', 'forged token: tampered payload', 'stolen token from many IPs'];
  private readonly url: URL;

  constructor(private readonly o: TrafficOptions) {
    this.url = new URL(o.baseUrl);
  }

  /** subject_ref as the token service computes it (HMAC-SHA256 under TW_SUBJECT_REF_KEY, which the demo generated). */
  subjectRef(sub: string): string {
    return createHmac('sha256', Buffer.from(this.o.subjectRefKey, 'hex')).update(sub, 'utf8').digest('hex');
  }

  private async call(kind: string, ip: string, path: string, body: string, headers: Record<string, string>): Promise<Reply> {
    this.stats.requests += 1;
    this.stats.byKind[kind] = (this.stats.byKind[kind] ?? 0) + 1;
    return new Promise((resolve, reject) => {
      const req = request({
        host: this.url.hostname, port: this.url.port, path, method: 'POST', agent: agentFor(ip),
        headers: { ...headers, 'content-length': Buffer.byteLength(body), traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01` },
        timeout: 15000,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: Record<string, unknown> = {};
          try {
            parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
          } catch {
            parsed = { raw: text };
          }
          if ((res.statusCode ?? 0) >= 500) this.stats.httpErrors += 1;
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${path} timed out`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  private form(kind: string, ip: string, path: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<Reply> {
    return this.call(kind, ip, path, new URLSearchParams(params).toString(), { 'content-type': 'application/x-www-form-urlencoded', ...headers });
  }

  private async assertion(c: IdentityClient): Promise<Record<string, string>> {
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: c.kid, typ: 'JWT' })
      .setIssuer(c.id).setSubject(c.id).setAudience(`${this.o.issuer}/oauth2/token`)
      .setIssuedAt().setExpirationTime('60s').setJti(randomUUID())
      .sign(c.key);
    return { client_assertion_type: ASSERTION_TYPE, client_assertion: jwt };
  }

  private basic(c: SecretClient): Record<string, string> {
    return { authorization: `Basic ${Buffer.from(`${encodeURIComponent(c.id)}:${encodeURIComponent(c.secret)}`).toString('base64')}` };
  }

  private expect(what: string, r: Reply, ok: (r: Reply) => boolean): Reply {
    if (!ok(r) && this.stats.unexpected.length < 20) this.stats.unexpected.push(`${what}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
    return r;
  }

  /** Token exchange: the identity service vouches for `sub` with a subject token it signs. */
  async login(g: IdentityClient, sub: string, audience: string): Promise<{ access: string; refresh: string } | undefined> {
    const subjectToken = await new SignJWT({ sid: `sess-${randomBytes(6).toString('hex')}`, consent_ref: `consent-${sub}`, consented_scope: 'profile:read' })
      .setProtectedHeader({ alg: 'ES256', kid: g.kid, typ: 'tokenwarden-subject+jwt' })
      .setIssuer(g.id).setAudience(this.o.issuer).setSubject(sub)
      .setIssuedAt().setExpirationTime('120s').setJti(randomUUID())
      .sign(g.key);
    const r = this.expect(`token exchange for ${sub}`, await this.form('token exchange', g.ip, '/oauth2/token', {
      grant_type: TOKEN_EXCHANGE, subject_token_type: JWT_TYPE, subject_token: subjectToken, audience, ...(await this.assertion(g)),
    }), (x) => x.status === 200);
    if (r.status !== 200) return undefined;
    return { access: String(r.body.access_token), refresh: String(r.body.refresh_token) };
  }

  async refresh(g: IdentityClient, refreshToken: string, expectOk = true): Promise<Reply> {
    const r = await this.form('refresh', g.ip, '/oauth2/token', { grant_type: 'refresh_token', refresh_token: refreshToken, ...(await this.assertion(g)) });
    return expectOk ? this.expect('refresh', r, (x) => x.status === 200) : r;
  }

  async revoke(g: IdentityClient, token: string, hint: 'access_token' | 'refresh_token'): Promise<Reply> {
    return this.expect('revoke', await this.form('revoke (logout)', g.ip, '/oauth2/revoke', { token, token_type_hint: hint, ...(await this.assertion(g)) }), (x) => x.status === 200);
  }

  async validate(rs: SecretClient, ip: string, token: string, kind = 'validate'): Promise<Reply> {
    return this.call(kind, ip, '/v1/validate', JSON.stringify({ token, audience: rs.audience }), { 'content-type': 'application/json', ...this.basic(rs) });
  }

  async clientCredentials(c: SecretClient): Promise<string | undefined> {
    const r = this.expect(`client_credentials ${c.id}`, await this.form('client_credentials', c.ips[0], '/oauth2/token', { grant_type: 'client_credentials' }, this.basic(c)), (x) => x.status === 200);
    return r.status === 200 ? String(r.body.access_token) : undefined;
  }

  async erase(sub: string): Promise<Reply> {
    return this.expect(`erase ${sub}`, await this.call('erasure', '127.0.0.1', `/v1/subjects/${encodeURIComponent(sub)}/erase`, '', {
      authorization: `Bearer ${this.o.adminToken}`, 'x-operator': 'demo-dpo', 'x-request-ref': `gdpr-${randomBytes(4).toString('hex')}`,
    }), (x) => x.status === 200);
  }

  private rsFor(audience: string): SecretClient {
    return this.o.clients.resourceServers.find((r) => r.audience === audience) as SecretClient;
  }

  /** One user's session: login, a few API calls, maybe refreshes, maybe logout. */
  private async session(n: number, endBy: number): Promise<void> {
    const sub = `user-${String(n).padStart(4, '0')}@example.com`;
    const g = pick(this.o.clients.identity);
    const audience = pick(g.audiences);
    const rs = this.rsFor(audience);
    let tokens = await this.login(g, sub, audience);
    if (!tokens) return;
    this.stats.users += 1;
    const pace = () => sleep(between(150, 1200));
    const calls = Math.floor(between(1, 5));
    for (let i = 0; i < calls && Date.now() < endBy; i++) {
      await pace();
      this.expect('validate', await this.validate(rs, pick(rs.ips), tokens.access), (x) => x.status === 200 && x.body.valid === true);
    }
    const refreshes = Math.random() < 0.6 ? Math.floor(between(1, 3)) : 0;
    for (let i = 0; i < refreshes && Date.now() < endBy; i++) {
      await pace();
      const r = await this.refresh(g, tokens.refresh);
      if (r.status !== 200) return;
      tokens = { access: String(r.body.access_token), refresh: String(r.body.refresh_token) };
      this.expect('validate', await this.validate(rs, pick(rs.ips), tokens.access), (x) => x.status === 200 && x.body.valid === true);
    }
    if (Math.random() < 0.4) {
      await pace();
      await this.revoke(g, tokens.refresh, 'refresh_token');
    }
  }

  private async serviceLoop(c: SecretClient, endBy: number): Promise<void> {
    const rs = this.rsFor(c.audience);
    // A well-behaved service caches its token: a new one every ~10 s, API calls in between.
    let token: string | undefined;
    for (let i = 0; Date.now() < endBy; i++) {
      if (i % 4 === 0) token = await this.clientCredentials(c);
      if (token) for (let k = 0; k < 3; k++) this.expect('validate service token', await this.validate(rs, pick(rs.ips), token), (x) => x.body.valid === true);
      await sleep(between(1500, 3000));
    }
  }

  private record(a: Omit<Attack, 'at'>): void {
    this.attacks.push({ ...a, at: Date.now() });
  }

  // ----- attacks -------------------------------------------------------------------------

  /** 15 logins for one subject in a few seconds: 30 TokenIssued (access + refresh) against a threshold of 20 per 5 min. */
  async attackReissueStorm(): Promise<void> {
    const sub = 'mallory-farm@example.com';
    const g = this.o.clients.identity[0];
    for (let i = 0; i < 15; i++) await this.login(g, sub, g.audiences[0]);
    this.record({
      name: 'reissue storm', what: `15 token exchanges for one subject in seconds via ${g.id} (30 tokens issued; threshold 20 / 5 min)`,
      rules: ['reissue-per-subject'], groupKey: this.subjectRef(sub), groupKeyLabel: `subject_ref of ${sub}`,
    });
  }

  /** A user logs out (access token revoked); the token is then presented again at a resource server. */
  async attackRevokedReplay(): Promise<void> {
    const g = this.o.clients.identity[1];
    const rs = this.rsFor(g.audiences[0]);
    const t = await this.login(g, 'victim-revoked@example.com', g.audiences[0]);
    if (!t) return;
    await this.validate(rs, rs.ips[0], t.access);
    await this.revoke(g, t.access, 'access_token');
    await sleep(1500); // the revocation feed reaches the validator well within 1 s
    const r = await this.validate(rs, rs.ips[1], t.access, 'attack');
    if (r.body.valid !== false) this.stats.unexpected.push(`revoked token accepted: ${JSON.stringify(r.body)}`);
    const jti = String(decodeJwt(t.access).jti);
    this.record({
      name: 'revoked token replayed', what: `access token revoked at logout, then presented at ${rs.id} (verdict: ${String(r.body.reason)})`,
      rules: ['revoked-token-use'], groupKey: jti, groupKeyLabel: `jti ${jti}`,
    });
  }

  /** A real token re-sent with alg "none" and no signature, through one edge instance. */
  async attackAlgNone(template: string): Promise<void> {
    const [h, p] = template.split('.');
    const header = { ...(JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>), alg: 'none' };
    const forged = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${p}.`;
    const rs = this.o.clients.resourceServers[0];
    const ip = '127.66.0.1';
    let reason = '';
    for (let i = 0; i < 3; i++) reason = String((await this.validate(rs, ip, forged, 'attack')).body.reason);
    this.record({
      name: 'forged token: alg none', what: `3 × a real token re-sent with alg "none", no signature, via ${rs.id} at ${ip} (verdict: ${reason})`,
      rules: ['weak-alg-presented'], groupKey: ip, groupKeyLabel: `ip ${ip}`,
    });
  }

  /** Tokens with our kid and claims, signed with the attacker's own ES256 key. */
  async attackWrongKey(template: string): Promise<void> {
    const header = JSON.parse(Buffer.from(template.split('.')[0], 'base64url').toString()) as { kid: string; typ: string };
    const claims = decodeJwt(template);
    const { privateKey } = await generateKeyPair('ES256');
    const rs = this.o.clients.resourceServers[0];
    const ip = '127.66.0.2';
    let reason = '';
    for (let i = 0; i < 36; i++) {
      const forged = await new SignJWT({ ...claims, sub: `admin-${i}`, jti: randomUUID() })
        .setProtectedHeader({ alg: 'ES256', kid: header.kid, typ: header.typ }).sign(privateKey);
      reason = String((await this.validate(rs, ip, forged, 'attack')).body.reason);
    }
    this.record({
      name: 'forged token: wrong key', what: `36 tokens with our kid signed with the attacker's key, via ${rs.id} at ${ip} in seconds (verdict: ${reason}; threshold 30 / min per ip)`,
      rules: ['validation-failures-per-ip', 'validation-failures-per-client'], groupKey: ip, groupKeyLabel: `ip ${ip}`,
    });
  }

  /** A real token with its payload edited (scope raised, subject changed), signature kept. */
  async attackTampered(template: string): Promise<void> {
    const [h, , s] = template.split('.');
    const claims = decodeJwt(template);
    const rs = this.o.clients.resourceServers[1];
    const ip = '127.66.0.3';
    let reason = '';
    for (let i = 0; i < 36; i++) {
      const edited = Buffer.from(JSON.stringify({ ...claims, scope: 'read admin:all', sub: `root-${i}` })).toString('base64url');
      reason = String((await this.validate(rs, ip, `${h}.${edited}.${s}`, 'attack')).body.reason);
    }
    this.record({
      name: 'forged token: tampered payload', what: `36 real tokens with scope/sub edited and the signature kept, via ${rs.id} at ${ip} (verdict: ${reason})`,
      rules: ['validation-failures-per-ip', 'validation-failures-per-client'], groupKey: ip, groupKeyLabel: `ip ${ip}`,
    });
  }

  /** A refresh token is rotated by its owner, then the stolen old one is used again. */
  async attackRefreshReuse(): Promise<void> {
    const g = this.o.clients.identity[1];
    const sub = 'victim-refresh@example.com';
    const t = await this.login(g, sub, g.audiences[0]);
    if (!t) return;
    await this.refresh(g, t.refresh);
    const r = await this.refresh(g, t.refresh, false);
    this.record({
      name: 'refresh token reused', what: `rotated refresh token presented again via ${g.id} (HTTP ${r.status} ${String(r.body.error)}; family revoked)`,
      rules: ['refresh-token-reuse'], groupKey: this.subjectRef(sub), groupKeyLabel: `subject_ref of ${sub}`,
    });
  }

  /** One stolen access token presented through six different addresses. */
  async attackManyIps(): Promise<void> {
    const g = this.o.clients.identity[2];
    const rs = this.rsFor(g.audiences[0]);
    const t = await this.login(g, 'victim-stolen@example.com', g.audiences[0]);
    if (!t) return;
    for (let i = 1; i <= 6; i++) await this.validate(rs, `127.77.0.${i}`, t.access, 'attack');
    const jti = String(decodeJwt(t.access).jti);
    this.record({
      name: 'stolen token from many IPs', what: `one valid access token presented from 6 addresses (threshold 5 distinct ips / 10 min)`,
      rules: ['token-many-ips'], groupKey: jti, groupKeyLabel: `jti ${jti}`,
    });
  }

  /** Runs the whole scenario: users spread over `seconds`, attacks at fixed fractions of it. */
  async run(onTick?: () => void): Promise<void> {
    const start = Date.now();
    const endBy = start + this.o.seconds * 1000;
    const work: Promise<void>[] = [];
    const guard = (p: Promise<void>, what: string) => p.catch((e: unknown) => void this.stats.unexpected.push(`${what}: ${e instanceof Error ? e.message : String(e)}`));
    for (const c of this.o.clients.services) work.push(guard(this.serviceLoop(c, endBy), c.id));

    // A template token for the forgeries: a real access token of an ordinary user.
    const g0 = this.o.clients.identity[0];
    const template = await this.login(g0, 'user-template@example.com', g0.audiences[0]);
    if (!template) throw new Error(`cannot log a user in: ${this.stats.unexpected.join('; ')}`);

    const attacks: Array<[number, () => Promise<void>, string]> = [
      [0.15, () => this.attackReissueStorm(), 'reissue storm'],
      [0.3, () => this.attackAlgNone(template.access), 'alg none'],
      [0.4, () => this.attackRevokedReplay(), 'revoked replay'],
      [0.5, () => this.attackWrongKey(template.access), 'wrong key'],
      [0.6, () => this.attackRefreshReuse(), 'refresh reuse'],
      [0.7, () => this.attackTampered(template.access), 'tampered'],
      [0.8, () => this.attackManyIps(), 'many ips'],
    ];
    for (const [frac, fn, what] of attacks) {
      work.push(guard(sleep(frac * this.o.seconds * 1000).then(fn), `attack ${what}`));
    }
    // Erasures: two users log in, use their tokens, and ask to be forgotten.
    for (const [frac, sub] of [[0.35, 'erase-me-1@example.com'], [0.65, 'erase-me-2@example.com']] as const) {
      work.push(guard(sleep(frac * this.o.seconds * 1000).then(async () => {
        const g = pick(this.o.clients.identity);
        const t = await this.login(g, sub, g.audiences[0]);
        if (t) await this.validate(this.rsFor(g.audiences[0]), this.rsFor(g.audiences[0]).ips[0], t.access);
        const r = await this.erase(sub);
        if (r.status === 200) this.stats.erased.push(sub);
      }), `erasure ${sub}`));
    }
    // Users arrive evenly over the first 85 % of the run.
    const spread = this.o.seconds * 850 / this.o.users;
    for (let n = 1; n <= this.o.users; n++) {
      work.push(guard(this.session(n, endBy), `session ${n}`));
      onTick?.();
      await sleep(spread);
    }
    await Promise.all(work);
  }
}
