import { ConfigError } from '@tokenwarden/config';
import { loadSiemForwarderConfig } from './siem-forwarder.config';
import { DEFAULT_SD_ID } from './sinks-config';

const SECRET = 's'.repeat(40);
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function setup(sinks: unknown, env: Record<string, string> = {}, files: Record<string, string> = {}) {
  const source = { TW_SIEM_SINKS: JSON.stringify(sinks), TW_SIEM_HOSTNAME: 'fwd-1', HOOK_SECRET: SECRET, ...env };
  const readFile = (path: string) => {
    if (path in files) return files[path];
    throw new Error(`ENOENT: no such file '${path}'`);
  };
  return () => loadSiemForwarderConfig(source, readFile);
}

function problems(load: () => unknown): string[] {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const syslog = { type: 'syslog', name: 'soc-syslog', host: '127.0.0.1', port: 6514 };
const webhook = { type: 'webhook', name: 'soc-hook', url: 'https://siem.example/hook', secretEnv: 'HOOK_SECRET' };

describe('loadSiemForwarderConfig', () => {
  it('fills defaults and freezes the result', () => {
    const config = setup({ sinks: [syslog, webhook] })();
    expect(config.sinks.sinks).toEqual([
      {
        type: 'syslog',
        name: 'soc-syslog',
        host: '127.0.0.1',
        port: 6514,
        tls: null,
        facility: 10,
        appName: 'tokenwarden',
        hostname: 'fwd-1',
        sdId: DEFAULT_SD_ID,
        timeoutMs: 10_000,
        retry: { baseMs: 1000, maxMs: 60_000, maxAttempts: 0, maxElapsedMs: 86_400_000, maxRetryAfterMs: 3_600_000 },
      },
      expect.objectContaining({ type: 'webhook', url: 'https://siem.example/hook', secret: SECRET, concurrency: 4, headers: {} }),
    ]);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.sinks.sinks[0])).toBe(true);
    expect(Object.isFrozen((config.sinks.sinks[0] as { retry: object }).retry)).toBe(true);
  });

  it('lets a sink override the top-level retry defaults key by key', () => {
    const config = setup({ retry: { maxAttempts: 5, baseMs: 50 }, sinks: [{ ...syslog, retry: { maxElapsedSeconds: 0 } }, webhook] })();
    expect(config.sinks.sinks[0].retry).toMatchObject({ baseMs: 50, maxAttempts: 5, maxElapsedMs: 0 });
    expect(config.sinks.sinks[1].retry).toMatchObject({ baseMs: 50, maxAttempts: 5, maxElapsedMs: 86_400_000 });
  });

  it('reads TLS material from PEM files', () => {
    const load = setup({ sinks: [{ ...syslog, tls: { caFile: '/ca.pem', serverName: 'siem' } }, { ...webhook, caFile: '/ca.pem' }] }, {}, { '/ca.pem': PEM });
    const [s, w] = load().sinks.sinks;
    expect(s).toMatchObject({ tls: { ca: PEM, serverName: 'siem' } });
    expect(w).toMatchObject({ ca: PEM });
    expect(setup({ sinks: [{ ...syslog, tls: true }] })().sinks.sinks[0]).toMatchObject({ tls: {} });
  });

  it('reads the sinks from a file', () => {
    const load = setup({}, { TW_SIEM_SINKS: '', TW_SIEM_SINKS_FILE: '/sinks.json' }, { '/sinks.json': JSON.stringify({ sinks: [syslog] }) });
    expect(load().sinks.sinks.map((s) => s.name)).toEqual(['soc-syslog']);
  });

  it('names every bad setting at once, with its path', () => {
    const bad = {
      retry: { maxAttempts: 0, maxElapsedSeconds: 0 },
      sinks: [
        { ...syslog, port: 70000, facility: -1, sdId: 'no-enterprise-number', tls: { caFile: '/missing.pem', certFile: '/c.pem' }, colour: 'red' },
        { ...webhook, url: 'ftp://x', secretEnv: 'NOPE', headers: { 'X-Tokenwarden-Signature': 'forged', 'X-Ok': 'a\nb' } },
        { type: 'kafka', name: 'x' },
        { ...webhook, name: 'soc-syslog', secretEnv: 'HOOK_SECRET', url: 'https://user:pw@siem.example' },
      ],
    };
    expect(problems(setup(bad, { TW_SIEM_POLL_BASE_MS: 'soon' }))).toEqual([
      'TW_SIEM_POLL_BASE_MS must be an integer, got "soon"',
      'TW_SIEM_SINKS.retry must bound retries: set maxAttempts or maxElapsedSeconds above 0',
      'TW_SIEM_SINKS.sinks[0].colour is not a known setting (known: type, name, host, port, tls, facility, appName, hostname, sdId, timeoutMs, retry)',
      'TW_SIEM_SINKS.sinks[0].sdId must be an SD-ID of the form name@<enterprise number>, or null',
      'TW_SIEM_SINKS.sinks[0].port must be an integer from 1 to 65535, got 70000',
      "TW_SIEM_SINKS.sinks[0].tls.caFile: cannot read /missing.pem: ENOENT: no such file '/missing.pem'",
      "TW_SIEM_SINKS.sinks[0].tls.certFile: cannot read /c.pem: ENOENT: no such file '/c.pem'",
      'TW_SIEM_SINKS.sinks[0].tls: certFile and keyFile go together',
      'TW_SIEM_SINKS.sinks[0].facility must be an integer from 0 to 23, got -1',
      'TW_SIEM_SINKS.sinks[0].retry must bound retries: set maxAttempts or maxElapsedSeconds above 0',
      'TW_SIEM_SINKS.sinks[1].url must be an http or https URL',
      'TW_SIEM_SINKS.sinks[1].secretEnv: environment variable NOPE must hold a secret of at least 32 bytes',
      'TW_SIEM_SINKS.sinks[1].headers.X-Tokenwarden-Signature: set by the forwarder itself',
      'TW_SIEM_SINKS.sinks[1].headers.X-Ok must be a printable ASCII string',
      'TW_SIEM_SINKS.sinks[1].retry must bound retries: set maxAttempts or maxElapsedSeconds above 0',
      'TW_SIEM_SINKS.sinks[2].type must be "syslog" or "webhook", got "kafka"',
      'TW_SIEM_SINKS.sinks[3].url must not carry credentials',
      'TW_SIEM_SINKS.sinks[3].retry must bound retries: set maxAttempts or maxElapsedSeconds above 0',
      'TW_SIEM_SINKS: sink name "soc-syslog" is used twice',
    ]);
  });

  it('wants exactly one sinks source, valid JSON, and a round budget below the session timeout', () => {
    expect(problems(setup({}, { TW_SIEM_SINKS: '' }))).toEqual([
      'set exactly one of TW_SIEM_SINKS_FILE (path of a JSON file) and TW_SIEM_SINKS (inline JSON)',
    ]);
    expect(problems(setup({}, { TW_SIEM_SINKS: '{nope' }))[0]).toMatch(/^TW_SIEM_SINKS is not valid JSON/);
    expect(problems(setup({ sinks: [] }))).toEqual(['TW_SIEM_SINKS.sinks must be a non-empty array']);
    expect(problems(setup({ sinks: [syslog] }, { TW_SIEM_ROUND_BUDGET_MS: '20000', TW_SIEM_SESSION_TIMEOUT_MS: '30000' }))).toEqual([
      'TW_SIEM_ROUND_BUDGET_MS must be at most half of TW_SIEM_SESSION_TIMEOUT_MS (a round must not outlive the group session)',
    ]);
  });
});
