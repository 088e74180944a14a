import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { EventCodec } from '@tokenwarden/events';
import { EventProducer, KafkaConnection, topicNames, TopicNames } from '@tokenwarden/kafka';
import { loadPolicyFile, Policy } from '@tokenwarden/policy';
import { AdminGate } from '../admin/admin-gate';
import { AuditPublisher, RecordSink } from '../audit/audit-publisher';
import { HeaderFactory } from '../audit/event-header';
import type { Log } from '@tokenwarden/config';
import { ServiceMetrics } from '../audit/service-metrics';
import { ClientAssertionVerifier } from '../clients/client-assertion';
import { ClientAuthenticator } from '../clients/client-authenticator';
import { ClientRegistry } from '../clients/client-registry';
import { ReplayCache } from '../clients/replay-cache';
import { ErasureService } from '../erasure/erasure-service';
import { KeyFile } from '../keys/key-file';
import { KeyRotation } from '../keys/key-rotation';
import { KeyService } from '../keys/key-service';
import { Pkcs11Custody } from '../keys/pkcs11-custody';
import { KeyStore } from '../keys/key-store';
import { TokenChecks } from '../oauth/introspection';
import { RevocationEndpoint } from '../oauth/revocation-endpoint';
import { SubjectTokenVerifier } from '../oauth/subject-token';
import { TokenEndpoint } from '../oauth/token-endpoint';
import { TokenMinter } from '../oauth/token-minter';
import { RevocationEvents } from '../revocation/revocation-events';
import { RevocationSet, SubjectPseudonymizer, TokenValidator } from '@tokenwarden/jwt';
import { tokenEndpointOf, TokenServiceConfig } from '../token-service.config';
import { AccessTokenIssuer } from '../tokens/access-token-issuer';
import { LiveTokens } from '../tokens/live-tokens';
import { RefreshFamilies } from '../tokens/refresh-families';
import { ValidationService } from '../validation/validation-service';

export interface ComponentOptions {
  readonly config: TokenServiceConfig;
  readonly log: Log;
  /** Injected clock (tests freeze or advance it); Kafka keeps its own time. */
  readonly now?: () => number;
  readonly policy?: Policy;
  readonly clients?: ClientRegistry;
  /** Where audit records go; default the Kafka producer (benchmarks measure issuance without it). */
  readonly sink?: RecordSink;
}

/** The plain object graph of one token-service instance; no Nest, no timers, no I/O yet. */
export function buildComponents(o: ComponentOptions) {
  const { config, log } = o;
  const now = o.now ?? Date.now;
  const issuerId = config.TW_ISSUER;
  const policy = o.policy ?? loadPolicyFile(config.TW_POLICY_FILE);
  const registry = o.clients ?? ClientRegistry.load(config.TW_CLIENTS_FILE, policy);
  const instance = config.TW_INSTANCE_ID || `${hostname()}-${process.pid}`;
  const topics: TopicNames = topicNames(config.TW_TOPIC_PREFIX);
  const metrics = new ServiceMetrics();
  const conn = new KafkaConnection({ brokers: config.TW_KAFKA_BROKERS, clientId: `token-service-${instance}`, retries: 2, connectionTimeoutMs: 1000 });
  const producer = new EventProducer(conn, { lingerMs: 0, ackTimeoutMs: config.TW_AUDIT_ACK_TIMEOUT_MS });
  const codec = new EventCodec();
  const headers = new HeaderFactory({ service: 'token-service', instance, version: config.TW_SERVICE_VERSION }, config.TW_TENANT_ID, now);
  const audit = new AuditPublisher({ codec, sink: o.sink ?? producer, topics, metrics, log, ackTimeoutMs: config.TW_AUDIT_ACK_TIMEOUT_MS });
  const pseudonyms = new SubjectPseudonymizer(config.TW_SUBJECT_REF_KEY);

  // HSM custody: the module is loaded and the token logged in here, so a bad setting stops the boot.
  const hsm = config.pkcs11 && Pkcs11Custody.open({ ...config.pkcs11, pin: config.pkcs11.pin.reveal() }, policy.algorithms.signing);
  const store = new KeyStore(config.TW_KEY_ENCRYPTION_KEY, hsm);
  const rotation = new KeyRotation({ store, policy, kek: config.TW_KEY_ENCRYPTION_KEY, now, generate: hsm && (() => hsm.generate()) });
  const keyFile = config.TW_KEY_DIR ? new KeyFile(config.TW_KEY_DIR) : undefined;
  const keys = new KeyService({ store, rotation, file: keyFile, leader: config.TW_KEY_ROTATION_LEADER, audit, headers, log });

  const tolMs = policy.clockToleranceSeconds * 1000;
  const set = new RevocationSet(Math.max(policy.accessToken.lifetimeSeconds, policy.refreshToken.lifetimeSeconds) * 1000 + tolMs);
  const validator = new TokenValidator({
    policy, issuer: issuerId, audience: config.TW_DEFAULT_AUDIENCE, keys: store, pseudonyms, now,
    isRevoked: (iss, jti) => set.isRevoked(iss, jti), isErased: (ref, iat) => set.isErased(ref, iat),
    onInternalError: (err) => log('error', 'validator internal error', { error: (err as Error)?.message }),
  });
  const validation = new ValidationService(validator, audit, headers, metrics);

  const replay = new ReplayCache(now);
  const assertions = new ClientAssertionVerifier({
    registry, tokenEndpoint: tokenEndpointOf(issuerId), issuer: issuerId, replay, clockToleranceSeconds: policy.clockToleranceSeconds, now,
  });
  const authenticator = new ClientAuthenticator({ registry, assertions, now });
  const families = new RefreshFamilies(policy, now);
  const live = new LiveTokens(now);
  const revocations = new RevocationEvents(issuerId, headers, pseudonyms);
  const issuer = new AccessTokenIssuer({ policy, issuer: issuerId, keys: store, audiences: registry, now, newJti: () => randomBytes(16).toString('base64url'), log });
  const minter = new TokenMinter({ issuerId, issuer, families, live, audit, headers, pseudonyms, metrics, revocations, set, now });
  const subjectTokens = new SubjectTokenVerifier({ issuer: issuerId, replay, clockToleranceSeconds: policy.clockToleranceSeconds, now });
  const tokenEndpoint = new TokenEndpoint({ policy, authenticator, minter, families, subjectTokens, revocations, audit, pseudonyms, now });
  const checks = new TokenChecks(authenticator, validation, config.TW_DEFAULT_AUDIENCE);
  const revocationEndpoint = new RevocationEndpoint({ authenticator, families, live, validation, revocations, set, audit, metrics });
  const admin = new AdminGate(config.TW_ADMIN_TOKEN, pseudonyms);
  const erasure = new ErasureService({ families, live, set, revocations, audit, headers, pseudonyms, metrics, log });

  return {
    config, log, now, policy, registry, instance, topics, metrics, conn, producer, codec, headers, audit, pseudonyms, store, keys, hsm,
    set, validator, validation, families, live, tokenEndpoint, checks, revocationEndpoint, erasure, admin,
  };
}

export type Components = ReturnType<typeof buildComponents>;
