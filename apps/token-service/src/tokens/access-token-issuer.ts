import { randomBytes } from 'node:crypto';
import { CompactEncrypt } from 'jose';
import { checkIssuance, Policy } from '@tokenwarden/policy';
import type { GrantType, RegisteredClient } from '../clients/client-config';
import type { ClientRegistry } from '../clients/client-registry';
import type { Log } from '@tokenwarden/config';
import { KeyError } from '../keys/key-error';
import type { KeyStore } from '../keys/key-store';
import type { SigningKey } from '../keys/signing-key';
import { DenialReason, OAuthError, oauthErrorFor } from '../reason-codes';
import { tokenFingerprint } from '@tokenwarden/jwt';

export interface AccessTokenRequest {
  /** Already authenticated by the HTTP layer. */
  readonly client: RegisteredClient;
  readonly grantType: GrantType;
  /** For client_credentials the client itself (RFC 9068 §2.2). */
  readonly subject: string;
  readonly audience: string;
  readonly scopes: readonly string[];
  /** Scopes the subject has a recorded consent for (token exchange for a user). */
  readonly consentedScopes?: readonly string[];
  /** Shorter than the policy lifetime if asked; longer is denied, not clamped. */
  readonly lifetimeSeconds?: number;
  readonly extraClaims?: Readonly<Record<string, unknown>>;
}

export type IssueResult =
  | {
      readonly ok: true;
      readonly token: string;
      readonly jti: string;
      readonly iat: number;
      readonly exp: number;
      readonly kid: string;
      readonly alg: string;
      readonly scope: string;
      readonly audience: string;
      /** Signed then encrypted to the audience (sensitive claims). */
      readonly nested: boolean;
      readonly fingerprint: string;
    }
  | { readonly ok: false; readonly reason: DenialReason; readonly oauthError: OAuthError; readonly description: string };

export interface AccessTokenIssuerDeps {
  readonly policy: Policy;
  readonly issuer: string;
  readonly keys: Pick<KeyStore, 'signingKey'>;
  readonly audiences: Pick<ClientRegistry, 'encryptionKeyFor'>;
  readonly now: () => number;
  readonly newJti?: () => string;
  /** Where a failed signature is reported (the denial itself carries fixed text only). */
  readonly log?: Log;
}

const deny = (reason: DenialReason, description: string): IssueResult => ({ ok: false, reason, oauthError: oauthErrorFor(reason), description });

/**
 * Mints RFC 9068 access tokens. Every refusal is a value with a stable reason
 * (the IssuanceDenied event) and the OAuth error to answer with; nothing is
 * signed unless the client registration and the policy both allow it.
 */
export class AccessTokenIssuer {
  constructor(private readonly deps: AccessTokenIssuerDeps) {}

  async issue(req: AccessTokenRequest): Promise<IssueResult> {
    const { policy, keys, now } = this.deps;
    const { client } = req;
    if (!client.grantTypes.includes(req.grantType)) return deny('GRANT_NOT_ALLOWED', `grant ${req.grantType} is not registered for this client`);
    const extra = req.scopes.filter((s) => !client.scopes.includes(s));
    if (extra.length > 0) return deny('SCOPE_NOT_ALLOWED', `scope ${extra.join(' ')} is not registered for this client`);
    if (!client.audiences.includes(req.audience)) return deny('AUDIENCE_NOT_ALLOWED', 'audience is not registered for this client');
    const signing = keys.signingKey();
    if (!signing) return deny('KEY_UNAVAILABLE', 'no signing key is active');
    const lifetimeSeconds = req.lifetimeSeconds ?? policy.accessToken.lifetimeSeconds;
    const extraClaims = req.extraClaims ?? {};
    const check = checkIssuance(policy, {
      alg: signing.alg, lifetimeSeconds, scopes: req.scopes, consentedScopes: req.consentedScopes ?? [], extraClaims,
    });
    if (!check.ok) return deny(check.reason, check.detail);
    const encryptTo = check.nested ? this.deps.audiences.encryptionKeyFor(req.audience) : undefined;
    if (check.nested && !encryptTo) return deny('ENCRYPTION_KEY_MISSING', 'sensitive claims need an audience encryption key');

    const iat = Math.floor(now() / 1000);
    const jti = this.deps.newJti ? this.deps.newJti() : randomBytes(16).toString('base64url');
    const scope = req.scopes.join(' ');
    // Registered claims last, so nothing in extraClaims can shadow them (checkIssuance refuses that too).
    const claims = {
      ...extraClaims, iss: this.deps.issuer, sub: req.subject, aud: req.audience, client_id: client.clientId,
      iat, exp: iat + lifetimeSeconds, jti, scope,
    };
    let token = await this.sign(signing, claims);
    if (token === undefined) return deny('SIGNING_FAILED', 'the signing key could not sign');
    if (encryptTo) {
      // RFC 7519 §5.2 nested JWT: sign first, then encrypt; cty says the plaintext is a JWT.
      token = await new CompactEncrypt(Buffer.from(token))
        .setProtectedHeader({ alg: encryptTo.alg, enc: policy.encryption.contentEncryption[0], cty: 'JWT', kid: encryptTo.kid })
        .encrypt(encryptTo.key);
    }
    if (token.length > policy.maxTokenSizeBytes) return deny('TOKEN_TOO_LARGE', `token would exceed ${policy.maxTokenSizeBytes} bytes`);
    return {
      ok: true, token, jti, iat, exp: claims.exp, kid: signing.kid, alg: signing.alg, scope, audience: req.audience,
      nested: check.nested, fingerprint: tokenFingerprint(token),
    };
  }

  /** One path for every custody; a signature the key could not make, or that fails its self-check, is no token. */
  private async sign(signing: SigningKey, claims: object): Promise<string | undefined> {
    try {
      return await signing.sign({ typ: 'at+jwt' }, Buffer.from(JSON.stringify(claims)));
    } catch (err) {
      if (!(err instanceof KeyError)) throw err;
      this.deps.log?.('error', 'access token not signed', { kid: signing.kid, storage: signing.storage, code: err.code, error: err.message });
      return undefined;
    }
  }
}
