// The parts of Express's request and response the adapters touch (the repo has no @types/express).

export interface HttpRequest {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body?: unknown;
  readonly ip?: string;
  readonly path?: string;
  readonly url?: string;
  readonly socket?: { readonly remoteAddress?: string };
  is(type: string): string | false | null;
}

export interface HttpResponse {
  status(code: number): HttpResponse;
  setHeader(name: string, value: string | string[]): unknown;
  json(body: unknown): unknown;
  headersSent?: boolean;
}
