import 'reflect-metadata';
import { configOrExit, jsonLineLog } from '@tokenwarden/config';
import type { GuardLog } from '@tokenwarden/guard';
import { createDemoApp, demoGuard } from './create-demo-app';
import { loadDemoApiConfig } from './demo-api.config';

const log: GuardLog = jsonLineLog('demo-api');

async function main(): Promise<void> {
  const config = configOrExit(() => loadDemoApiConfig(process.env));
  const app = await createDemoApp(demoGuard(config, log));
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen(config.TW_DEMO_PORT, config.TW_DEMO_HOST);
  log('info', 'demo-api listening', { port: (app.getHttpServer().address() as { port: number }).port });
}

main().catch((err: unknown) => {
  log('error', 'demo-api failed to start', { error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
