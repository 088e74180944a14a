import 'reflect-metadata';
import { ConfigError } from '@tokenwarden/config';
import type { GuardLog } from '@tokenwarden/guard';
import { createDemoApp, demoGuard } from './create-demo-app';
import { DemoApiConfig, loadDemoApiConfig } from './demo-api.config';

/** One JSON object per line; fields never carry tokens or raw subjects. */
const log: GuardLog = (level, message, fields = {}) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, service: 'demo-api', message, ...fields })}\n`);
};

function readConfig(): DemoApiConfig {
  try {
    return loadDemoApiConfig(process.env);
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
  const app = await createDemoApp(demoGuard(config, log));
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen(config.TW_DEMO_PORT, config.TW_DEMO_HOST);
  log('info', 'demo-api listening', { port: (app.getHttpServer().address() as { port: number }).port });
}

main().catch((err: unknown) => {
  log('error', 'demo-api failed to start', { error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
