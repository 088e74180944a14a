// Tiny HTTP client over fetch for the token-service tests.

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** Parsed JSON body, or undefined for an empty or non-JSON body. */
  readonly json: Record<string, unknown> | undefined;
}

export const basic = (id: string, secret: string): string =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function reply(res: Response): Promise<Reply> {
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export async function postForm(url: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<Reply> {
  const body = new URLSearchParams(params).toString();
  return reply(await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body }));
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return reply(await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }));
}

export async function post(url: string, body: string | undefined, headers: Record<string, string> = {}): Promise<Reply> {
  return reply(await fetch(url, { method: 'POST', headers, body }));
}

export async function get(url: string): Promise<Reply> {
  return reply(await fetch(url));
}
