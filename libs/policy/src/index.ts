export { PolicyError } from './policy-error';
export type { PolicyErrorCode } from './policy-error';
export {
  rotationTimings, SIGNING_ALGORITHMS, KEY_MANAGEMENT_ALGORITHMS, CONTENT_ENCRYPTION_ALGORITHMS,
  REGISTERED_CLAIMS, BASELINE_FORBIDDEN_CLAIMS, PERSONAL_DATA_CLAIMS, HARD_MAX_ACCESS_TOKEN_LIFETIME_SECONDS,
} from './policy';
export type { Policy, RotationTimings, SigningAlg, KeyManagementAlg, ContentEncryptionAlg } from './policy';
export { parsePolicy, loadPolicyFile } from './parse-policy';
export { renderPolicyMarkdown } from './render-policy';
export { checkIssuance } from './issuance-check';
export type { IssuanceCheck, IssuanceFacts, PolicyDenialReason } from './issuance-check';
/** The problem-collecting JSON reader behind parsePolicy, shared with other boot-time config files. */
export { FieldReader, isPlainObject, show } from './field-reader';
export type { Json } from './field-reader';
