import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Policy } from '@tokenwarden/policy';
import type { FamilyFilter, FamilyGrant, FamilyRevocation, IssuedRefreshToken, RotateResult } from './refresh-types';

export type { FamilyFilter, FamilyGrant, FamilyRevocation, IssuedRefreshToken, RotateResult } from './refresh-types';

interface TokenRecord { readonly familyId: string; readonly secretHash: Buffer; state: 'current' | 'rotated'; readonly expiresAtMs: number }
interface Family {
  readonly id: string;
  readonly grant: FamilyGrant;
  readonly startedAtMs: number;
  readonly absoluteExpiryMs: number;
  readonly jtis: string[];
  readonly accessTokens: Map<string, number>;
  /** Every revocation applied and not undone; the first one names the family's fate. */
  readonly revocations: FamilyRevocation['reason'][];
}

const TOKEN_SHAPE = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;
const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();
const id = (bytes: number): string => randomBytes(bytes).toString('base64url');

/**
 * Refresh-token families with rotation and reuse detection (RFC 9700 §4.14.2).
 * Every method is synchronous: check-and-set happens in one turn of the event
 * loop, so of two concurrent refreshes with one token exactly one rotates and
 * the other is seen as reuse (which revokes the family).
 */
export class RefreshFamilies {
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly families = new Map<string, Family>();

  constructor(private readonly policy: Policy, private readonly now: () => number) {}

  /** Starts a family (the first refresh token of a session). */
  issue(grant: FamilyGrant): IssuedRefreshToken {
    const family: Family = {
      id: id(16), grant, jtis: [], accessTokens: new Map(), revocations: [], startedAtMs: this.now(),
      absoluteExpiryMs: this.now() + this.policy.refreshToken.lifetimeSeconds * 1000,
    };
    this.families.set(family.id, family);
    return this.mint(family);
  }

  rotate(presented: string, clientId: string): RotateResult {
    const found = this.find(presented);
    if (!found) return { kind: 'UNKNOWN' };
    const { jti, record, family } = found;
    // RFC 6749 §6: a refresh token is bound to the client it was issued to.
    if (family.grant.clientId !== clientId) return { kind: 'CLIENT_MISMATCH' };
    if (family.revocations.length > 0) return { kind: 'REVOKED', familyId: family.id };
    const now = this.now();
    if (now >= family.absoluteExpiryMs) return { kind: 'EXPIRED', familyId: family.id };
    if (record.state === 'rotated') return { kind: 'REUSE_DETECTED', revocation: this.revoke(family, 'REFRESH_REUSE') };
    if (now >= record.expiresAtMs) return { kind: 'EXPIRED', familyId: family.id }; // idle timeout
    record.state = 'rotated';
    return { kind: 'ROTATED', token: this.mint(family), previousJti: jti, grant: family.grant };
  }

  /**
   * Puts a rotation back when its audit event could not be published (the
   * request then answers 503): the old token stays usable instead of becoming reuse.
   */
  undoRotation(rotated: Extract<RotateResult, { kind: 'ROTATED' }>): boolean {
    const family = this.families.get(rotated.token.familyId);
    const previous = this.tokens.get(rotated.previousJti);
    if (!family || family.revocations.length > 0 || !previous || family.jtis[family.jtis.length - 1] !== rotated.token.jti) return false;
    this.tokens.delete(rotated.token.jti);
    family.jtis.pop();
    previous.state = 'current';
    return true;
  }

  /**
   * Links an access token to its family, so revoking the family kills it too
   * (RFC 7009 §2.1). Returns why the family is revoked, if it already is (a
   * concurrent reuse won the race): then the caller must revoke this token itself.
   */
  recordAccessToken(familyId: string, jti: string, exp: number): FamilyRevocation['reason'] | undefined {
    const family = this.families.get(familyId);
    family?.accessTokens.set(jti, exp);
    return family ? family.revocations[0] : 'SUBJECT_ERASED';
  }

  /** RFC 7009 revocation of a refresh token by the client it belongs to; a foreign token stays active. */
  revokeByToken(presented: string, clientId: string): FamilyRevocation | 'UNKNOWN' | 'FOREIGN' {
    const found = this.find(presented);
    if (!found) return 'UNKNOWN';
    if (found.family.grant.clientId !== clientId) return 'FOREIGN';
    return this.revoke(found.family, 'CLIENT_REQUEST');
  }

  /**
   * Puts back a revocation whose audit event could not be published (RFC 7009
   * answers 503 then); other revocations of the family stay in force.
   */
  undoRevocation(rev: FamilyRevocation): void {
    const family = this.families.get(rev.familyId);
    const i = family ? family.revocations.indexOf(rev.reason) : -1;
    if (family && i >= 0) family.revocations.splice(i, 1);
  }

  /** Drops a family that was started but never handed out (its TokenIssued was not acknowledged). */
  discard(familyId: string): void {
    const family = this.families.get(familyId);
    if (family) this.forget(family);
  }

  /** GDPR erasure: revokes every family of the subject and forgets them. */
  eraseSubject(subject: string): FamilyRevocation[] {
    return this.eraseWhere((g) => g.subject === subject);
  }

  /** What erasing the selected families would revoke, without changing anything (publish first, then erase). */
  preview(filter: FamilyFilter): FamilyRevocation[] {
    return [...this.families.values()].filter((f) => filter(f.grant, f.startedAtMs)).map((f) => this.describe(f, 'SUBJECT_ERASED'));
  }

  /** Revokes and forgets every selected family. */
  eraseWhere(filter: FamilyFilter): FamilyRevocation[] {
    const out: FamilyRevocation[] = [];
    for (const family of [...this.families.values()]) {
      if (!filter(family.grant, family.startedAtMs)) continue;
      out.push(this.revoke(family, 'SUBJECT_ERASED'));
      this.forget(family);
    }
    return out;
  }

  /** Drops families past their absolute expiry; returns how many. Call it from a timer. */
  prune(): number {
    const now = this.now();
    let n = 0;
    for (const family of [...this.families.values()]) {
      if (now >= family.absoluteExpiryMs) {
        this.forget(family);
        n++;
      }
    }
    return n;
  }

  get size(): number {
    return this.families.size;
  }

  private mint(family: Family): IssuedRefreshToken {
    const jti = id(16);
    const secret = id(32);
    const expiresAtMs = Math.min(family.absoluteExpiryMs, this.now() + this.policy.refreshToken.idleTimeoutSeconds * 1000);
    this.tokens.set(jti, { familyId: family.id, secretHash: sha256(secret), state: 'current', expiresAtMs });
    family.jtis.push(jti);
    return { token: `${jti}.${secret}`, jti, familyId: family.id, expiresAtMs };
  }

  /**
   * Looks a token up by its jti and proves possession of the secret in constant
   * time; a guessed jti (they appear in events) matches nothing and cannot revoke a family.
   */
  private find(presented: string): { jti: string; record: TokenRecord; family: Family } | undefined {
    const m = typeof presented === 'string' ? TOKEN_SHAPE.exec(presented) : null;
    const record = m ? this.tokens.get(m[1]) : undefined;
    if (!m || !record || !timingSafeEqual(sha256(m[2]), record.secretHash)) return undefined;
    const family = this.families.get(record.familyId);
    return family ? { jti: m[1], record, family } : undefined;
  }

  private revoke(family: Family, reason: FamilyRevocation['reason']): FamilyRevocation {
    family.revocations.push(reason);
    return this.describe(family, reason);
  }

  private describe(family: Family, reason: FamilyRevocation['reason']): FamilyRevocation {
    const nowSeconds = this.now() / 1000;
    const accessTokens = [...family.accessTokens].filter(([, exp]) => exp > nowSeconds).map(([jti, exp]) => ({ jti, exp }));
    return { familyId: family.id, grant: family.grant, reason, refreshJtis: [...family.jtis], accessTokens, expiresAtMs: family.absoluteExpiryMs };
  }

  private forget(family: Family): void {
    for (const jti of family.jtis) this.tokens.delete(jti);
    this.families.delete(family.id);
  }
}
