import { Controller, Get, Header, HttpCode, Post, Req, Res } from '@nestjs/common';
import { IngestRuntime } from '../ingest-runtime';
import { EventsAccepted, SourceAccepted } from '../pipeline/ingest-service';
import { BodySource, readJsonBody } from './read-body';

interface HttpResponse {
  status(code: number): unknown;
  type(contentType: string): unknown;
}

/** Thin adapter: authenticate (before the body is read), read the capped body, hand it to the service. */
@Controller()
export class IngestController {
  constructor(private readonly runtime: IngestRuntime) {}

  /** Contract events as JSON: one `{type, event}` or an array of them. 202 once Kafka acknowledged all. */
  @Post('v1/events')
  @HttpCode(202)
  async events(@Req() req: BodySource): Promise<EventsAccepted> {
    const producer = this.runtime.service.admit(req.headers, 'events');
    return this.runtime.service.acceptEvents(producer, await readJsonBody(req, this.runtime.maxBodyBytes));
  }

  /** Keycloak Event / AdminEvent JSON, one or an array. */
  @Post('v1/adapters/keycloak')
  @HttpCode(202)
  async keycloak(@Req() req: BodySource): Promise<SourceAccepted> {
    const producer = this.runtime.service.admit(req.headers, 'keycloak');
    return this.runtime.service.acceptSource(producer, 'keycloak', await readJsonBody(req, this.runtime.maxBodyBytes));
  }

  /** Auth0 log stream (custom webhook) batches. */
  @Post('v1/adapters/auth0')
  @HttpCode(202)
  async auth0(@Req() req: BodySource): Promise<SourceAccepted> {
    const producer = this.runtime.service.admit(req.headers, 'auth0');
    return this.runtime.service.acceptSource(producer, 'auth0', await readJsonBody(req, this.runtime.maxBodyBytes));
  }

  @Get('health')
  @Header('Cache-Control', 'no-store')
  health(@Res({ passthrough: true }) res: HttpResponse): unknown {
    const health = this.runtime.health();
    res.status(health.status === 'running' ? 200 : 503);
    return health;
  }

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  async metrics(@Res({ passthrough: true }) res: HttpResponse): Promise<string> {
    res.type(this.runtime.metrics.contentType);
    return this.runtime.metrics.text();
  }
}
