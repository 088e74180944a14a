import { LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { TokenServiceRuntime } from '../runtime/token-service.runtime';
import { TokenServiceModule } from '../token-service.module';
import { OAuthExceptionFilter } from './oauth-exception.filter';

/**
 * The Nest application of one runtime, configured the same way for main.ts and
 * the tests: body size cap enforced by body-parser before parsing, form and
 * JSON bodies only, one global exception filter, OpenAPI at /docs (/docs-json).
 */
export async function createTokenServiceApp(runtime: TokenServiceRuntime, logger: LogLevel[] = ['error', 'warn']): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(TokenServiceModule.forRoot(runtime), { bodyParser: false, logger });
  const limit = runtime.c.config.TW_MAX_BODY_BYTES;
  // No compressed bodies (inflate: false → 415): nothing to decompress, nothing to bomb.
  app.useBodyParser('urlencoded', { extended: false, limit, parameterLimit: 100, inflate: false });
  app.useBodyParser('json', { limit, strict: true, inflate: false });
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.useGlobalFilters(new OAuthExceptionFilter(runtime.c.validation, runtime.c.log));
  const doc = new DocumentBuilder()
    .setTitle('Tokenwarden token service')
    .setDescription('OAuth 2.0 token service: issuance, refresh rotation, validation, RFC 7662 introspection, RFC 7009 revocation, '
      + 'key rotation and subject erasure; every step is an Avro audit event on Kafka.')
    .setVersion(runtime.c.config.TW_SERVICE_VERSION)
    .addBasicAuth()
    .addBearerAuth()
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, doc), { jsonDocumentUrl: 'docs-json' });
  return app;
}
