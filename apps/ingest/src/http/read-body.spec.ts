import { Readable } from 'node:stream';
import { BodySource, readJsonBody } from './read-body';

function request(body: string | Buffer[], headers: Record<string, string> = { 'content-type': 'application/json' }): BodySource {
  const stream = Readable.from(typeof body === 'string' ? [Buffer.from(body)] : body) as unknown as BodySource & { headers: Record<string, string> };
  stream.headers = headers;
  return stream;
}

describe('readJsonBody', () => {
  it('parses JSON under the cap', async () => {
    await expect(readJsonBody(request('[{"a":1}]'), 100)).resolves.toEqual([{ a: 1 }]);
    await expect(readJsonBody(request('{}', { 'content-type': 'application/json; charset=UTF-8' }), 100)).resolves.toEqual({});
  });

  it('refuses a declared length over the cap without reading', async () => {
    await expect(readJsonBody(request('{}', { 'content-type': 'application/json', 'content-length': '101' }), 100)).rejects.toMatchObject({ code: 'ERR_INGEST_TOO_LARGE', status: 413 });
  });

  it('refuses a streamed body as soon as it passes the cap', async () => {
    const chunks = Array.from({ length: 10 }, () => Buffer.alloc(50, 0x20));
    await expect(readJsonBody(request(chunks), 100)).rejects.toMatchObject({ code: 'ERR_INGEST_TOO_LARGE' });
  });

  it('refuses other media types and charsets', async () => {
    await expect(readJsonBody(request('{}', { 'content-type': 'text/plain' }), 100)).rejects.toMatchObject({ code: 'ERR_INGEST_UNSUPPORTED_MEDIA_TYPE', status: 415 });
    await expect(readJsonBody(request('{}', {}), 100)).rejects.toMatchObject({ status: 415 });
    await expect(readJsonBody(request('{}', { 'content-type': 'application/json; charset=latin1' }), 100)).rejects.toMatchObject({ status: 415 });
    await expect(readJsonBody(request('{}', { 'content-type': 'application/json', 'content-encoding': 'gzip' }), 100)).rejects.toMatchObject({ status: 415 });
  });

  it('refuses invalid JSON and deep nesting with 400', async () => {
    await expect(readJsonBody(request('{"a":'), 100)).rejects.toMatchObject({ code: 'ERR_INGEST_BAD_BODY', status: 400 });
    await expect(readJsonBody(request(`${'['.repeat(40)}${']'.repeat(40)}`), 1000)).rejects.toMatchObject({ code: 'ERR_INGEST_BAD_BODY' });
    await expect(readJsonBody(request(`${'['.repeat(30)}${']'.repeat(30)}`), 1000)).resolves.toBeDefined();
  });
});
