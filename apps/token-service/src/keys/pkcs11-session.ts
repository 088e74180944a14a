import * as pkcs11 from 'pkcs11js';
import { KeyError } from './key-error';

/** Opaque PKCS#11 object handle; nothing outside this file looks inside. */
export type Pkcs11Handle = Buffer & { readonly __pkcs11Handle: unique symbol };

export interface Pkcs11SessionOptions {
  readonly modulePath: string;
  readonly tokenLabel: string;
  /** Used for C_Login only; never kept, never in a message. */
  readonly pin: string;
}

/** DER of the P-256 named-curve OID (1.2.840.10045.3.1.7), the CKA_EC_PARAMS of an ES256 key. */
const P256_PARAMS = Buffer.from('06082a8648ce3d030107', 'hex');
const MAX_SIGNATURE_BYTES = 512;

/**
 * A loaded module is process-wide (one C_Initialize per process), so sessions
 * on the same module share it and the last one to close finalizes it.
 */
const modules = new Map<string, { lib: pkcs11.PKCS11; users: number }>();

function acquire(path: string): pkcs11.PKCS11 {
  const held = modules.get(path);
  if (held) {
    held.users++;
    return held.lib;
  }
  const lib = new pkcs11.PKCS11();
  try {
    lib.load(path);
    try {
      lib.C_Initialize();
    } catch (err) {
      if ((err as { code?: number }).code !== pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED) throw err;
    }
  } catch (cause) {
    throw new KeyError('ERR_KEY_HSM_UNAVAILABLE', `TW_KEY_PKCS11_MODULE: cannot load ${path}: ${(cause as Error).message}`, { cause });
  }
  modules.set(path, { lib, users: 1 });
  return lib;
}

function release(path: string): void {
  const held = modules.get(path);
  if (!held || --held.users > 0) return;
  modules.delete(path);
  held.lib.C_Finalize();
  held.lib.close();
}

const trimmed = (label: string): string => label.replace(/[\s\0]+$/, '');

/**
 * One logged-in read/write session on the token with a given label: the only
 * place that speaks pkcs11js.
 */
export class Pkcs11Session {
  private closed = false;

  private constructor(
    private readonly lib: pkcs11.PKCS11,
    private readonly handle: Buffer,
    private readonly modulePath: string,
    readonly tokenLabel: string,
  ) {}

  /** Loads the module, finds the token by label and logs in as the user; errors name the variable to fix. */
  static open(o: Pkcs11SessionOptions): Pkcs11Session {
    const lib = acquire(o.modulePath);
    let session: Buffer | undefined;
    try {
      const slots = lib.C_GetSlotList(true);
      const labels = slots.map((s) => trimmed(lib.C_GetTokenInfo(s).label));
      const slot = slots[labels.indexOf(o.tokenLabel)];
      if (!slot) {
        throw new KeyError('ERR_KEY_HSM_UNAVAILABLE', `TW_KEY_PKCS11_TOKEN_LABEL: no token labelled "${o.tokenLabel}" (present: ${labels.map((l) => `"${l}"`).join(', ') || 'none'})`);
      }
      session = lib.C_OpenSession(slot, pkcs11.CKF_SERIAL_SESSION | pkcs11.CKF_RW_SESSION);
      login(lib, session, o);
      return new Pkcs11Session(lib, session, o.modulePath, o.tokenLabel);
    } catch (err) {
      if (session) lib.C_CloseSession(session);
      release(o.modulePath);
      if (err instanceof KeyError) throw err;
      throw new KeyError('ERR_KEY_HSM_UNAVAILABLE', `token "${o.tokenLabel}": ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * Generates a P-256 key pair inside the token: the private key is a token
   * object, sensitive and never extractable. Returns the uncompressed public point.
   */
  generateP256(label: string, id: Buffer): Buffer {
    const common = [
      { type: pkcs11.CKA_TOKEN, value: true }, { type: pkcs11.CKA_LABEL, value: label }, { type: pkcs11.CKA_ID, value: id },
    ];
    const { publicKey } = this.lib.C_GenerateKeyPair(this.handle, { mechanism: pkcs11.CKM_EC_KEY_PAIR_GEN }, [
      ...common, { type: pkcs11.CKA_CLASS, value: pkcs11.CKO_PUBLIC_KEY }, { type: pkcs11.CKA_VERIFY, value: true },
      { type: pkcs11.CKA_EC_PARAMS, value: P256_PARAMS },
    ], [
      ...common, { type: pkcs11.CKA_CLASS, value: pkcs11.CKO_PRIVATE_KEY }, { type: pkcs11.CKA_SIGN, value: true },
      { type: pkcs11.CKA_PRIVATE, value: true }, { type: pkcs11.CKA_SENSITIVE, value: true }, { type: pkcs11.CKA_EXTRACTABLE, value: false },
    ]);
    const [point] = this.lib.C_GetAttributeValue(this.handle, publicKey, [{ type: pkcs11.CKA_EC_POINT }]);
    return uncompressedPoint(point.value);
  }

  /**
   * The private key with this CKA_ID, checked to be sensitive and not
   * extractable: a key someone imported in clear under our id is refused.
   */
  privateKey(id: Buffer): Pkcs11Handle {
    this.lib.C_FindObjectsInit(this.handle, [{ type: pkcs11.CKA_CLASS, value: pkcs11.CKO_PRIVATE_KEY }, { type: pkcs11.CKA_ID, value: id }]);
    const found = this.lib.C_FindObjects(this.handle, 2);
    this.lib.C_FindObjectsFinal(this.handle);
    if (found.length !== 1) {
      throw new KeyError('ERR_KEY_HSM_OBJECT', `token "${this.tokenLabel}" holds ${found.length} private keys with id ${id.toString('hex')}, expected 1`);
    }
    const [sensitive, extractable] = this.lib.C_GetAttributeValue(this.handle, found[0], [
      { type: pkcs11.CKA_SENSITIVE }, { type: pkcs11.CKA_EXTRACTABLE },
    ]);
    if (sensitive.value[0] !== 1 || extractable.value[0] !== 0) {
      throw new KeyError('ERR_KEY_HSM_OBJECT', `private key ${id.toString('hex')} in token "${this.tokenLabel}" is extractable or not sensitive`);
    }
    return found[0] as Pkcs11Handle;
  }

  /**
   * CKM_ECDSA over a digest the caller computed: the raw r||s the JWS format
   * wants. Synchronous like every call here: one JavaScript thread is then the
   * only user of the session, so no two operations can interleave on it.
   */
  signDigest(key: Pkcs11Handle, digest: Buffer): Buffer {
    try {
      this.lib.C_SignInit(this.handle, { mechanism: pkcs11.CKM_ECDSA }, key);
      return this.lib.C_Sign(this.handle, digest, Buffer.alloc(MAX_SIGNATURE_BYTES));
    } catch (cause) {
      throw new KeyError('ERR_KEY_SIGN_FAILED', `token "${this.tokenLabel}" did not sign: ${(cause as Error).message}`, { cause });
    }
  }

  /** Closes the session; the module is finalized when its last session closes. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    // No C_Logout: the login state belongs to the token and is shared with other sessions of this process.
    this.lib.C_CloseSession(this.handle);
    release(this.modulePath);
  }
}

function login(lib: pkcs11.PKCS11, session: Buffer, o: Pkcs11SessionOptions): void {
  try {
    lib.C_Login(session, pkcs11.CKU_USER, o.pin);
  } catch (err) {
    if ((err as { code?: number }).code === pkcs11.CKR_USER_ALREADY_LOGGED_IN) return;
    // The native message is the CKR name only; the PIN is never part of it.
    throw new KeyError('ERR_KEY_HSM_UNAVAILABLE', `TW_KEY_PKCS11_PIN or TW_KEY_PKCS11_PIN_FILE: login to token "${o.tokenLabel}" refused (${(err as Error).message})`);
  }
}

/** CKA_EC_POINT is a DER OCTET STRING around 04||x||y; some modules return the bare point. */
function uncompressedPoint(value: Buffer): Buffer {
  if (value.length === 67 && value[0] === 0x04 && value[1] === 0x41 && value[2] === 0x04) return value.subarray(2);
  if (value.length === 65 && value[0] === 0x04) return value;
  throw new KeyError('ERR_KEY_HSM_OBJECT', `unexpected CKA_EC_POINT of ${value.length} bytes`);
}
