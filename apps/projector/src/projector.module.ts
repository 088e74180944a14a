import { BeforeApplicationShutdown, DynamicModule, Module } from '@nestjs/common';
import { ProjectorController } from './projector.controller';
import { ProjectorConfig } from './projector.config';
import type { Log } from '@tokenwarden/config';
import { ProjectorRuntime } from './projector-runtime';

export interface ProjectorModuleOptions {
  config: ProjectorConfig;
  log: Log;
  onFatal: (err: unknown) => void;
}

/** Wiring only: the runtime is a plain class; Nest serves /health and /metrics and runs the shutdown hook. */
@Module({})
export class ProjectorModule implements BeforeApplicationShutdown {
  constructor(private readonly runtime: ProjectorRuntime) {}

  static forRoot(options: ProjectorModuleOptions): DynamicModule {
    return {
      module: ProjectorModule,
      controllers: [ProjectorController],
      providers: [{ provide: ProjectorRuntime, useFactory: () => new ProjectorRuntime(options.config, options.log, options.onFatal) }],
    };
  }

  /** SIGTERM/SIGINT (enableShutdownHooks): stop consuming, finish and commit the batch, close. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.runtime.stop();
  }
}
