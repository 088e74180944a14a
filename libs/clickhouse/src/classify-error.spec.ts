import { ClickHouseError as ClientServerError } from '@clickhouse/client';
import { toClickHouseError } from './classify-error';
import { ClickHouseError } from './clickhouse-error';

const OLD_SYNTAX =
  'Code: 62, e.displayText() = DB::Exception: Syntax error: failed at position 1: SELEC 1\n. Expected one of: ..., e.what() = DB::Exception\n';
const withErrno = (message: string, code: string) => Object.assign(new Error(message), { code });

function setup(err: unknown) {
  const out = toClickHouseError(err, 'query');
  return { out, ch: out as ClickHouseError };
}

describe('toClickHouseError', () => {
  it('reads the server code from the 18.16 message format', () => {
    const { ch } = setup(new Error(OLD_SYNTAX));
    expect([ch.code, ch.retriable, ch.serverCode]).toEqual(['ERR_CLICKHOUSE_QUERY', false, 62]);
    expect(ch.message).toBe('query failed: Code: 62, e.displayText() = DB::Exception: Syntax error: failed at position 1: SELEC 1');
  });

  it("reads the server code from the client's own error (current release format)", () => {
    const err = new ClientServerError({ message: 'Unknown table', code: '60', type: 'UNKNOWN_TABLE' });
    const { ch } = setup(err);
    expect([ch.code, ch.serverCode, ch.cause]).toEqual(['ERR_CLICKHOUSE_QUERY', 60, err]);
  });

  it.each([
    ['Code: 159. DB::Exception: Timeout exceeded', 159],
    ['Code: 252, e.displayText() = DB::Exception: Too many parts', 252],
    ['Code: 241, e.displayText() = DB::Exception: Memory limit exceeded', 241],
  ])('treats transient server states as unavailable: %s', (message, serverCode) => {
    const { ch } = setup(new Error(message));
    expect([ch.code, ch.retriable, ch.serverCode]).toEqual(['ERR_CLICKHOUSE_UNAVAILABLE', true, serverCode]);
  });

  it('treats refused credentials as a retriable auth error', () => {
    const { ch } = setup(new Error('Code: 193, e.displayText() = DB::Exception: Wrong password for user default'));
    expect([ch.code, ch.retriable]).toEqual(['ERR_CLICKHOUSE_AUTH', true]);
  });

  it.each([
    withErrno('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'),
    withErrno('read ECONNRESET', 'ECONNRESET'),
    withErrno('getaddrinfo ENOTFOUND nowhere', 'ENOTFOUND'),
    new Error('Timeout error.'),
    new Error('socket hang up'),
  ])('treats network failures as unavailable: %s', (err) => {
    const { ch } = setup(err);
    expect([ch.code, ch.retriable, ch.serverCode, ch.cause]).toEqual(['ERR_CLICKHOUSE_UNAVAILABLE', true, undefined, err]);
  });

  it('treats an unrecognised response (a proxy page) as unavailable, and says so', () => {
    const { ch } = setup(new Error('<html><body>502 Bad Gateway</body></html>'));
    expect(ch.code).toBe('ERR_CLICKHOUSE_UNAVAILABLE');
    expect(ch.message).toMatch(/unrecognised error/);
  });

  it('passes JavaScript bugs through unchanged', () => {
    const bug = new TypeError('Do not know how to serialize a BigInt');
    expect(setup(bug).out).toBe(bug);
  });

  it('keeps an existing ClickHouseError as it is', () => {
    const err = new ClickHouseError('ERR_CLICKHOUSE_VALUE', 'bad');
    expect(setup(err).out).toBe(err);
  });
});
