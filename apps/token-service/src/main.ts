import 'reflect-metadata';
import { ConfigError } from '@tokenwarden/config';
import type { Log } from './audit/service-metrics';
import { createTokenServiceApp } from './http/create-app';
import { TokenServiceRuntime } from './runtime/token-service.runtime';
import { loadTokenServiceConfig, TokenServiceConfig } from './token-service.config';

/** One JSON object per line on stdout; fields never carry tokens, secrets or raw subjects. */
const log: Log = (level, message, fields = {}) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, service: 'token-service', message, ...fields })}\n`);
};

function readConfig(): TokenServiceConfig {
  try {
    return loadTokenServiceConfig(process.env);
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
    log('error', 'revocation consumer stopped after a bug; exiting', { error: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  };
  const runtime = new TokenServiceRuntime({ config, log, onFatal });
  const app = await createTokenServiceApp(runtime);
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await runtime.start();
  await app.listen(config.TW_HTTP_PORT, config.TW_HTTP_HOST);
  log('info', 'token service listening', { port: (app.getHttpServer().address() as { port: number }).port, issuer: config.TW_ISSUER });
}

main().catch((err: unknown) => {
  log('error', 'token service failed to start', { error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
