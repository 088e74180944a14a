import { BeforeApplicationShutdown, DynamicModule, Module } from '@nestjs/common';
import { DetectorController } from './detector.controller';
import { DetectorConfig } from './detector.config';
import type { Log } from '@tokenwarden/config';
import { DetectorRuntime } from './detector-runtime';

export interface DetectorModuleOptions {
  config: DetectorConfig;
  log: Log;
  onFatal: (err: unknown) => void;
}

/** Wiring only: the runtime is a plain class; Nest serves /health and /metrics and runs the shutdown hook. */
@Module({})
export class DetectorModule implements BeforeApplicationShutdown {
  constructor(private readonly runtime: DetectorRuntime) {}

  static forRoot(options: DetectorModuleOptions): DynamicModule {
    return {
      module: DetectorModule,
      controllers: [DetectorController],
      providers: [{ provide: DetectorRuntime, useFactory: () => new DetectorRuntime(options.config, options.log, options.onFatal) }],
    };
  }

  /** SIGTERM/SIGINT (enableShutdownHooks): stop consuming, publish and commit the batch in hand, close. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.runtime.stop();
  }
}
