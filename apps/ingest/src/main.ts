import 'reflect-metadata';
import { ConfigError, jsonLineLog } from '@tokenwarden/config';
import type { Log } from '@tokenwarden/config';
import { IngestConfig, loadIngestConfig } from './ingest.config';
import { createIngestApp } from './ingest.module';
import { loadProducers, ProducerConfig } from './producers/producer-config';

const log: Log = jsonLineLog('ingest');

/** Environment and producers file, parsed once; a bad value stops the process naming every problem. */
function readConfig(): { config: IngestConfig; producers: readonly ProducerConfig[] } {
  try {
    const config = loadIngestConfig(process.env);
    return { config, producers: loadProducers(config.TW_INGEST_PRODUCERS_FILE, { maxEventsPerRequest: config.TW_INGEST_MAX_EVENTS_PER_REQUEST }) };
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const { config, producers } = readConfig();
  const app = await createIngestApp({ config, producers, log });
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen(config.TW_INGEST_PORT, config.TW_INGEST_HOST);
  const address = app.getHttpServer().address() as { port: number };
  log('info', 'ingest listening', { port: address.port, producers: producers.map((p) => p.id) });
}

main().catch((err: unknown) => {
  log('error', 'ingest failed to start', { error: err instanceof Error ? err.stack : String(err) });
  process.exit(1);
});
