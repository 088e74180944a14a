import { BeforeApplicationShutdown, DynamicModule, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IngestController } from './http/ingest.controller';
import { ProblemFilter } from './http/problem.filter';
import { IngestRuntime, IngestRuntimeOptions } from './ingest-runtime';

/** Wiring only: the runtime is a plain class; Nest routes HTTP to it and runs the shutdown hook. */
@Module({})
export class IngestModule implements BeforeApplicationShutdown {
  constructor(private readonly runtime: IngestRuntime) {}

  static forRoot(runtime: IngestRuntime): DynamicModule {
    return { module: IngestModule, controllers: [IngestController], providers: [{ provide: IngestRuntime, useValue: runtime }] };
  }

  /** SIGTERM/SIGINT: wait for in-flight acknowledgements, then close the producer. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.runtime.stop();
  }
}

/**
 * The ingest as a Nest app, not yet listening. Nest's body parser is off:
 * the controller reads bodies itself, after authentication, under the cap.
 */
export async function createIngestApp(options: IngestRuntimeOptions): Promise<INestApplication> {
  const runtime = new IngestRuntime(options);
  const app = await NestFactory.create(IngestModule.forRoot(runtime), { bodyParser: false, logger: ['error', 'warn'] });
  app.useGlobalFilters(new ProblemFilter(runtime.metrics, options.log));
  await runtime.start();
  return app;
}
