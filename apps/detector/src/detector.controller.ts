import { Controller, Get, Header, Res } from '@nestjs/common';
import { DetectorHealth, DetectorRuntime } from './detector-runtime';

/** The part of Express's response these handlers touch (no @types/express in the repo). */
interface HttpResponse {
  status(code: number): unknown;
  type(contentType: string): unknown;
}

@Controller()
export class DetectorController {
  constructor(private readonly runtime: DetectorRuntime) {}

  /** 200 while consuming live; 503 while starting, rebuilding state or stopping. */
  @Get('health')
  health(@Res({ passthrough: true }) res: HttpResponse): DetectorHealth {
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
