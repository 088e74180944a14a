import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadPolicyFile } from '@tokenwarden/policy';
import { GuardLog, TokenGuardRuntime } from '@tokenwarden/guard';
import type { DemoApiConfig } from './demo-api.config';
import { DemoApiModule } from './demo-api.module';

/** The guard runtime for this config (the token service's policy file, JWKS URL and Kafka). */
export function demoGuard(config: DemoApiConfig, log: GuardLog): TokenGuardRuntime {
  return new TokenGuardRuntime({
    name: 'demo-api', resourceServer: 'demo-api', instance: config.TW_INSTANCE_ID || undefined, version: config.TW_SERVICE_VERSION,
    tenantId: config.TW_TENANT_ID, issuer: config.TW_ISSUER, audience: config.TW_DEMO_AUDIENCE, policy: loadPolicyFile(config.TW_POLICY_FILE),
    subjectRefKey: config.TW_SUBJECT_REF_KEY, jwksUrl: config.TW_JWKS_URL, kafkaBrokers: config.TW_KAFKA_BROKERS, topicPrefix: config.TW_TOPIC_PREFIX,
    jwks: { cooldownMs: config.TW_JWKS_COOLDOWN_MS, maxAgeMs: config.TW_JWKS_MAX_AGE_MS }, audit: { capacity: config.TW_GUARD_AUDIT_CAPACITY }, log,
  });
}

/** The Nest app; `init()`/`listen()` starts the guard (keys, revocation replay, audit flushing). */
export function createDemoApp(runtime: TokenGuardRuntime): Promise<NestExpressApplication> {
  return NestFactory.create<NestExpressApplication>(DemoApiModule.withGuard(runtime), { logger: ['error', 'warn'] });
}
