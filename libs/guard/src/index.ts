// Local, audited access-token validation for resource servers (see README.md).
export { TokenGuardRuntime } from './guard-runtime';
export type { TokenGuardOptions, GuardLog } from './guard-runtime';
export { AccessGuard } from './access-guard';
export type { GuardClaims, GuardDecision, GuardRequest, CallContext } from './access-guard';
export { TokenGuard, tokenMiddleware, ACCESS_GUARD } from './http-adapters';
export type { GuardedRequest } from './http-adapters';
export { TokenGuardModule } from './token-guard.module';
export { JwksCache, parseJwks, httpJwksFetcher } from './jwks-cache';
export type { JwksCacheOptions } from './jwks-cache';
export { AuditBuffer } from './audit-buffer';
export type { AuditBufferOptions, BatchSink } from './audit-buffer';
export { GuardMetrics } from './guard-metrics';
