import { Controller, Get, Header, Res } from '@nestjs/common';
import { ProjectorRuntime } from './projector-runtime';

/** The part of Express's response these handlers touch (no @types/express in the repo). */
interface HttpResponse {
  status(code: number): unknown;
  type(contentType: string): unknown;
}

@Controller()
export class ProjectorController {
  constructor(private readonly runtime: ProjectorRuntime) {}

  /**
   * Liveness: 200 while the projector runs, also when ClickHouse is down (it
   * pauses and waits; a restart would not help). 503 while starting or stopping.
   */
  @Get('health')
  async health(@Res({ passthrough: true }) res: HttpResponse): Promise<unknown> {
    const health = await this.runtime.health();
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
