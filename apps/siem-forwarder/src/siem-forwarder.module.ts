import { BeforeApplicationShutdown, DynamicModule, Module } from '@nestjs/common';
import { SiemForwarderController } from './siem-forwarder.controller';
import { SiemForwarderConfig } from './siem-forwarder.config';
import type { Log } from '@tokenwarden/config';
import { SiemForwarderRuntime } from './siem-forwarder-runtime';

export interface SiemForwarderModuleOptions {
  config: SiemForwarderConfig;
  log: Log;
  onFatal: (err: unknown) => void;
}

/** Wiring only: the runtime is a plain class; Nest serves /health and /metrics and runs the shutdown hook. */
@Module({})
export class SiemForwarderModule implements BeforeApplicationShutdown {
  constructor(private readonly runtime: SiemForwarderRuntime) {}

  static forRoot(options: SiemForwarderModuleOptions): DynamicModule {
    return {
      module: SiemForwarderModule,
      controllers: [SiemForwarderController],
      providers: [{ provide: SiemForwarderRuntime, useFactory: () => new SiemForwarderRuntime(options.config, options.log, options.onFatal) }],
    };
  }

  /** SIGTERM/SIGINT (enableShutdownHooks): stop consuming, finish the round in hand and commit, close. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.runtime.stop();
  }
}
