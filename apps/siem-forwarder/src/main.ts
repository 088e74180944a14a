import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { configOrExit, jsonLineLog } from '@tokenwarden/config';
import { loadSiemForwarderConfig } from './siem-forwarder.config';
import { SiemForwarderModule } from './siem-forwarder.module';
import type { Log } from '@tokenwarden/config';
import { SiemForwarderRuntime } from './siem-forwarder-runtime';

const log: Log = jsonLineLog('siem-forwarder');

async function main(): Promise<void> {
  const config = configOrExit(() => loadSiemForwarderConfig(process.env));
  const onFatal = (err: unknown) => {
    log('error', 'consumer stopped after a bug; exiting', { error: err instanceof Error ? err.stack : String(err) });
    process.exit(1);
  };
  const app = await NestFactory.create(SiemForwarderModule.forRoot({ config, log, onFatal }), { logger: ['error', 'warn'] });
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen(config.TW_SIEM_METRICS_PORT, '0.0.0.0');
  const address = app.getHttpServer().address() as { port: number };
  log('info', 'siem-forwarder http listening', { metricsPort: address.port });
  await app.get(SiemForwarderRuntime).start();
}

main().catch((err: unknown) => {
  log('error', 'siem-forwarder failed to start', { error: err instanceof Error ? err.stack : String(err) });
  process.exit(1);
});
