// A guard against a running token service (test/token-service harness), behind a plain node:http server
// using the Express-style middleware, so the middleware path is exercised over real HTTP.
import { createServer, Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { TokenGuardOptions, TokenGuardRuntime, tokenMiddleware } from '@tokenwarden/guard';
import type { GuardedRequest } from '@tokenwarden/guard';
import { loadPolicyFile } from '@tokenwarden/policy';
import { testEnv } from '@tokenwarden/testing';
import { API } from '../../token-service/support/clients';
import type { Cluster, Instance } from '../../token-service/support/harness';
import { ISSUER } from '../../token-service/support/harness';

/** The harness's TW_SUBJECT_REF_KEY: the guard must compute the token service's pseudonyms. */
export const SUBJECT_REF_KEY = Buffer.from('Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3A', 'base64url');
export const GUARD_NAME = 'guard-test';

export interface RunningGuard {
  readonly runtime: TokenGuardRuntime;
  /** GET <url>/resource needs scope `read`. */
  readonly url: string;
  readonly logs: Array<{ level: string; message: string }>;
  close(): Promise<void>;
}

export async function startGuard(c: Cluster, svc: Instance, patch: Partial<TokenGuardOptions> = {}): Promise<RunningGuard> {
  const logs: RunningGuard['logs'] = [];
  const runtime = new TokenGuardRuntime({
    name: GUARD_NAME, resourceServer: 'orders-api', instance: `guard-${randomBytes(3).toString('hex')}`, tenantId: 'default',
    issuer: ISSUER, audience: API, policy: loadPolicyFile('config/policy.json'), subjectRefKey: SUBJECT_REF_KEY,
    jwksUrl: `${svc.url}/.well-known/jwks.json`, kafkaBrokers: testEnv().kafkaBrokers, topicPrefix: c.prefix,
    audit: { flushIntervalMs: 50 }, log: (level, message) => logs.push({ level, message }), ...patch,
  });
  await runtime.start();
  const mw = tokenMiddleware(runtime.access, { scope: 'read' });
  const server: Server = createServer((req, res) => {
    mw(req as unknown as GuardedRequest, res, (err?: unknown) => {
      res.statusCode = err ? 500 : 200;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ok: !err, client_id: (req as unknown as GuardedRequest).tokenClaims?.clientId }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    runtime, url: `http://127.0.0.1:${port}/resource`, logs,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await runtime.stop();
    },
  };
}

/** A W3C traceparent with a fresh trace id, so a test can find its own event. */
export function traced(): { trace: string; traceparent: string } {
  const trace = randomBytes(16).toString('hex');
  return { trace, traceparent: `00-${trace}-${randomBytes(8).toString('hex')}-01` };
}
