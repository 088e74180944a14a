import 'reflect-metadata';
import { configOrExit, jsonLineLog } from '@tokenwarden/config';
import type { Log } from '@tokenwarden/config';
import { createTokenServiceApp } from './http/create-app';
import { TokenServiceRuntime } from './runtime/token-service.runtime';
import { loadTokenServiceConfig } from './token-service.config';

const log: Log = jsonLineLog('token-service');

async function main(): Promise<void> {
  const config = configOrExit(() => loadTokenServiceConfig(process.env));
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
