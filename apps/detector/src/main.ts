import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, jsonLineLog } from '@tokenwarden/config';
import { PolicyError } from '@tokenwarden/policy';
import { DetectorConfig, loadDetectorConfig } from './detector.config';
import { DetectorError } from './detector-error';
import { DetectorModule } from './detector.module';
import type { Log } from '@tokenwarden/config';
import { DetectorRuntime } from './detector-runtime';

const log: Log = jsonLineLog('detector');

/** A bad environment, rules file or policy stops the process with every problem named (exit 2). */
function refuse(err: unknown): never {
  if (err instanceof ConfigError || err instanceof PolicyError || (err instanceof DetectorError && !err.retriable)) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  throw err;
}

function readConfig(): DetectorConfig {
  try {
    return loadDetectorConfig(process.env);
  } catch (err) {
    return refuse(err);
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const onFatal = (err: unknown) => {
    log('error', 'consumer stopped after a bug; exiting', { error: err instanceof Error ? err.stack : String(err) });
    process.exit(1);
  };
  const app = await NestFactory.create(DetectorModule.forRoot({ config, log, onFatal }), { logger: ['error', 'warn'], abortOnError: false }).catch(refuse);
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen(config.TW_DETECTOR_METRICS_PORT, '0.0.0.0');
  const address = app.getHttpServer().address() as { port: number };
  log('info', 'detector http listening', { metricsPort: address.port });
  await app.get(DetectorRuntime).start();
}

main().catch((err: unknown) => {
  log('error', 'detector failed to start', { error: err instanceof Error ? err.stack : String(err) });
  process.exit(1);
});
