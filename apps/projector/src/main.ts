import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError } from '@tokenwarden/config';
import { loadProjectorConfig, ProjectorConfig } from './projector.config';
import { ProjectorModule } from './projector.module';
import { Log, ProjectorRuntime } from './projector-runtime';

/** One JSON object per line on stdout: what log shippers and the fault tests read. */
const log: Log = (level, message, fields = {}) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, service: 'projector', message, ...fields })}\n`);
};

function readConfig(): ProjectorConfig {
  try {
    return loadProjectorConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
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
