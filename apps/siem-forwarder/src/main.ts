import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError } from '@tokenwarden/config';
import { loadSiemForwarderConfig, SiemForwarderConfig } from './siem-forwarder.config';
import { SiemForwarderModule } from './siem-forwarder.module';
import { Log, SiemForwarderRuntime } from './siem-forwarder-runtime';

/** One JSON object per line on stdout: what log shippers read. */
const log: Log = (level, message, fields = {}) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, service: 'siem-forwarder', message, ...fields })}\n`);
};

function readConfig(): SiemForwarderConfig {
  try {
    return loadSiemForwarderConfig(process.env);
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
