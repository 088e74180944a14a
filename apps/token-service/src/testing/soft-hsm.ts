// Test-only: a fresh SoftHSM token in its own directory under os.tmpdir(), removed afterwards.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInThisContext } from 'node:vm';
import * as pkcs11 from 'pkcs11js';

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

export interface SoftHsm {
  readonly dir: string;
  /** The SOFTHSM2_CONF file of this token directory. */
  readonly conf: string;
  readonly tokenLabel: string;
  /** Random per token, so a test can search logs for it. */
  readonly pin: string;
  /** The TW_KEY_PKCS11_* variables that select this token. */
  readonly env: Readonly<Record<string, string>>;
  remove(): void;
}

/**
 * jest hands each test file a copy of process.env, but SoftHSM reads
 * SOFTHSM2_CONF with getenv(3) at C_Initialize: only the real environment reaches it.
 */
const realEnv = (runInThisContext('process') as NodeJS.Process).env;

/** Initializes a token (softhsm2-util --init-token) and points this process at it until remove(). */
export function softHsm(tokenLabel = 'tw-test'): SoftHsm {
  const dir = mkdtempSync(join(tmpdir(), 'tw-softhsm-'));
  const tokens = join(dir, 'tokens');
  mkdirSync(tokens);
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const pin = `pin-${randomBytes(8).toString('hex')}`;
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', tokenLabel, '--pin', pin, '--so-pin', `so-${pin}`], {
    env: { ...process.env, SOFTHSM2_CONF: conf }, stdio: 'pipe',
  });
  const previous = realEnv.SOFTHSM2_CONF;
  realEnv.SOFTHSM2_CONF = conf;
  return {
    dir, conf, tokenLabel, pin,
    env: { TW_KEY_PKCS11_MODULE: SOFTHSM_MODULE, TW_KEY_PKCS11_TOKEN_LABEL: tokenLabel, TW_KEY_PKCS11_PIN: pin },
    remove() {
      if (previous === undefined) delete realEnv.SOFTHSM2_CONF;
      else realEnv.SOFTHSM2_CONF = previous;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PrivateKeyFacts {
  readonly count: number;
  readonly token: boolean;
  readonly sensitive: boolean;
  readonly extractable: boolean;
  readonly neverExtractable: boolean;
  /** What the token answers when asked for CKA_VALUE (the private scalar). */
  readonly readValue: string;
}

/** A logged-in session of the test's own (pkcs11js directly, not the service's adapter); call with the service's session closed. */
function withTestSession<T>(hsm: SoftHsm, work: (lib: pkcs11.PKCS11, session: Buffer) => T): T {
  const lib = new pkcs11.PKCS11();
  lib.load(SOFTHSM_MODULE);
  lib.C_Initialize();
  try {
    const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trim() === hsm.tokenLabel);
    if (!slot) throw new Error(`no token ${hsm.tokenLabel}`);
    const session = lib.C_OpenSession(slot, pkcs11.CKF_SERIAL_SESSION | pkcs11.CKF_RW_SESSION);
    lib.C_Login(session, pkcs11.CKU_USER, hsm.pin);
    return work(lib, session);
  } finally {
    lib.C_Finalize();
    lib.close();
  }
}

/** Looks at the private key with this CKA_ID. */
export function inspectPrivateKey(hsm: SoftHsm, idHex: string): PrivateKeyFacts {
  return withTestSession(hsm, (lib, session) => {
    lib.C_FindObjectsInit(session, [{ type: pkcs11.CKA_CLASS, value: pkcs11.CKO_PRIVATE_KEY }, { type: pkcs11.CKA_ID, value: Buffer.from(idHex, 'hex') }]);
    const found = lib.C_FindObjects(session, 10);
    lib.C_FindObjectsFinal(session);
    if (found.length === 0) return { count: 0, token: false, sensitive: false, extractable: false, neverExtractable: false, readValue: 'absent' };
    const flag = (type: number) => lib.C_GetAttributeValue(session, found[0], [{ type }])[0].value[0] === 1;
    let readValue = 'readable';
    try {
      lib.C_GetAttributeValue(session, found[0], [{ type: pkcs11.CKA_VALUE }]);
    } catch (err) {
      readValue = (err as Error).message;
    }
    return {
      count: found.length, token: flag(pkcs11.CKA_TOKEN), sensitive: flag(pkcs11.CKA_SENSITIVE), extractable: flag(pkcs11.CKA_EXTRACTABLE),
      neverExtractable: flag(pkcs11.CKA_NEVER_EXTRACTABLE), readValue,
    };
  });
}

/** Plants an extractable, non-sensitive P-256 key under this CKA_ID: a key someone could have imported in clear. */
export function plantExtractableKey(hsm: SoftHsm, idHex: string): void {
  withTestSession(hsm, (lib, session) => {
    const common = [{ type: pkcs11.CKA_TOKEN, value: true }, { type: pkcs11.CKA_ID, value: Buffer.from(idHex, 'hex') }];
    lib.C_GenerateKeyPair(session, { mechanism: pkcs11.CKM_EC_KEY_PAIR_GEN }, [
      ...common, { type: pkcs11.CKA_EC_PARAMS, value: Buffer.from('06082a8648ce3d030107', 'hex') }, { type: pkcs11.CKA_VERIFY, value: true },
    ], [
      ...common, { type: pkcs11.CKA_SIGN, value: true }, { type: pkcs11.CKA_SENSITIVE, value: false }, { type: pkcs11.CKA_EXTRACTABLE, value: true },
    ]);
  });
}
