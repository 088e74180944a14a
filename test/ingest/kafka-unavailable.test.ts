import { createServer } from 'node:net';
import { goldenCases, TEST_KEYS } from '../../apps/ingest/fixtures/golden';
import { startIngest } from './ingest-fixture';

/** A port nothing listens on: a Kafka that cannot take events. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('ingest with Kafka unreachable', () => {
  it('answers 503 with Retry-After instead of accepting what Kafka did not acknowledge, and says so in /health', async () => {
    const port = await closedPort();
    const ingest = await startIngest({ brokers: `127.0.0.1:${port}`, env: { TW_INGEST_ACK_TIMEOUT_MS: '1500' } });
    try {
      const res = await ingest.post('/v1/adapters/auth0', TEST_KEYS.auth0, goldenCases('auth0').map((c) => c.input));
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ code: 'ERR_INGEST_UNAVAILABLE', status: 503 });
      expect(res.headers.get('retry-after')).toBe('5');
      const health = await (await fetch(`${ingest.url}/health`)).json();
      expect(health).toEqual({ status: 'running', kafka: 'failing' });
    } finally {
      await ingest.close();
    }
  });
});
