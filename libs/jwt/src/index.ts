// RFC 9068 access-token validation shared by the token service and libs/guard:
// one validator, one set of reason codes, one revocation state.
export { ReasonCode, REASON_CODES } from './reason-codes';
export { TokenValidator } from './token-validator';
export type { TokenValidatorDeps } from './token-validator';
export { verdict } from './verdict';
export type { Verdict, VerdictFields } from './verdict';
export type { KeyResolver, VerificationKey } from './key-resolver';
export type { DecryptionKey } from './jwe-unwrap';
export { checkClaims } from './claim-rules';
export type { AccessClaims, ClaimContext } from './claim-rules';
export { checkJwsHeader, hasEmbeddedKey, isAccessTokenType, sanitizeHeaderValue } from './header-rules';
export { decodeSegmentObject, precheckCompact } from './compact-precheck';
export type { JsonObject } from './json-guard';
export { SubjectPseudonymizer, tokenFingerprint, MIN_SUBJECT_KEY_BYTES } from './subject-ref';
export { RevocationSet, revocationKey, erasureKey } from './revocation-set';
export type { ErasureMarker } from './revocation-set';
export { RevocationFeed } from './revocation-feed';
export type { RevocationFeedOptions, FeedLog } from './revocation-feed';
