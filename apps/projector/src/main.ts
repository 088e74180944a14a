import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { configOrExit, jsonLineLog } from '@tokenwarden/config';
import { loadProjectorConfig } from './projector.config';
import { ProjectorModule } from './projector.module';
import type { Log } from '@tokenwarden/config';
import { ProjectorRuntime } from './projector-runtime';

const log: Log = jsonLineLog('projector');

async function main(): Promise<void> {
  const config = configOrExit(() => loadProjectorConfig(process.env));
  const onFatal = (err: unknown) => {
    log('error', 'consumer stopped after a bug; exiting', { error: err instanceof Error ? err.stack : String(err) });
    process.exit(1);
  };
  const app = await NestFactory.create(ProjectorModule.forRoot({ config, log, onFatal }), { logger: ['error', 'warn'] });
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen(config.TW_PROJECTOR_METRICS_PORT, '0.0.0.0');
  const address = app.getHttpServer().address() as { port: number };
  log('info', 'projector http listening', { metricsPort: address.port });
  await app.get(ProjectorRuntime).start();
}

main().catch((err: unknown) => {
  log('error', 'projector failed to start', { error: err instanceof Error ? err.stack : String(err) });
  process.exit(1);
});
