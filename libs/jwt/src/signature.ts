import { KeyObject } from 'crypto';
import { compactVerify } from 'jose';

/**
 * Verifies the signature of a compact JWS whose header the caller already
 * parsed and checked (alg pinned to the key, no crit/b64). The check itself is
 * jose's (STYLE: jose for all JOSE work), with the algorithm pinned again.
 * Resolves true only for a valid signature; never rejects.
 */
export function verifyCompactSignature(token: string, alg: string, key: KeyObject): Promise<boolean> {
  return compactVerify(token, key, { algorithms: [alg] }).then(
    () => true,
    () => false,
  );
}
