/**
 * Password hashing with scrypt (memory-hard, node:crypto) and the password policy.
 * Encoded as `scrypt$<log2 N>$<r>$<p>$<salt b64>$<hash b64>` so parameters can be raised
 * later: a hash with weaker parameters is upgraded at the next successful sign-in.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { PasswordPolicy } from '../common/security';

export interface ScryptParams {
  /** log2 of the CPU/memory cost N */
  log2N: number;
  r: number;
  p: number;
}

/** Production default: N = 2^15, r = 8, p = 1 (32 MiB, ~80 ms per hash on the dev machine). */
export const DEFAULT_SCRYPT: ScryptParams = { log2N: 15, r: 8, p: 1 };
/** Cheap parameters for tests only. */
export const TEST_SCRYPT: ScryptParams = { log2N: 10, r: 8, p: 1 };

const KEY_LEN = 64;
const SALT_LEN = 16;

function scrypt(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.log2N;
  const opts: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r * params.p + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scryptCb(password.normalize('NFKC'), salt, KEY_LEN, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

function parse(encoded: string): { params: ScryptParams; salt: Buffer; hash: Buffer } | null {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [log2N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  // bounds: a forged row must not make verification a denial of service
  if (!Number.isInteger(log2N) || log2N < 10 || log2N > 20) return null;
  if (!Number.isInteger(r) || r < 1 || r > 32 || !Number.isInteger(p) || p < 1 || p > 16) return null;
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const hash = Buffer.from(parts[5] ?? '', 'base64');
  if (salt.length < 16 || hash.length !== KEY_LEN) return null;
  return { params: { log2N, r, p }, salt, hash };
}

export class PasswordHasher {
  private dummy: Promise<string> | null = null;
  constructor(readonly params: ScryptParams = DEFAULT_SCRYPT) {}

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_LEN);
    const key = await scrypt(password, salt, this.params);
    const { log2N, r, p } = this.params;
    return `scrypt$${log2N}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
  }

  async verify(password: string, encoded: string | null): Promise<boolean> {
    const parsed = encoded ? parse(encoded) : null;
    if (!parsed) {
      await this.burn(password);
      return false;
    }
    const key = await scrypt(password, parsed.salt, parsed.params);
    return timingSafeEqual(key, parsed.hash);
  }

  /** Spends the same time as a verification (unknown user), so timing does not reveal names. */
  async burn(password: string): Promise<void> {
    this.dummy ??= this.hash('not a password');
    const d = parse(await this.dummy)!;
    await scrypt(password, d.salt, d.params);
  }

  needsRehash(encoded: string): boolean {
    const parsed = parse(encoded);
    if (!parsed) return true;
    const a = parsed.params;
    const b = this.params;
    return a.log2N < b.log2N || a.r < b.r || a.p < b.p;
  }
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = { minLength: 12, maxLength: 256, minClasses: 2 };

const COMMON = new Set([
  'password', 'passw0rd', 'password1', 'password123', '123456789012', 'qwertyuiop', 'qwerty123456', 'letmein',
  'welcome', 'changeme', 'administrator', 'admin', 'operator', 'iloveyou', 'trustno1', '1q2w3e4r5t6y',
  'abc123456789', 'azertyuiop', 'sunshine', 'football', 'baseball', 'monkey', 'dragon', 'master', 'flexergy',
  'esmanager', 'scada', 'energy',
]);

/** Returns every violated rule (empty when the password is acceptable). NIST SP 800-63B style. */
export function checkPasswordPolicy(
  password: string,
  policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
  context: { username?: string; displayName?: string } = {},
): string[] {
  const out: string[] = [];
  const len = [...password].length;
  if (len < policy.minLength) out.push(`at least ${policy.minLength} characters`);
  if (len > policy.maxLength) out.push(`at most ${policy.maxLength} characters`);
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  if (classes < policy.minClasses) out.push(`at least ${policy.minClasses} of: lower case, upper case, digits, symbols`);
  const lower = password.toLowerCase();
  const stripped = lower.replace(/[^a-z]/g, '');
  if (COMMON.has(lower) || (stripped.length >= 5 && COMMON.has(stripped))) out.push('not a common password');
  if (/^(.)\1*$/.test(password)) out.push('not one repeated character');
  for (const word of [context.username, ...(context.displayName?.split(/\s+/) ?? [])]) {
    if (word && word.length >= 3 && lower.includes(word.toLowerCase())) {
      out.push('must not contain the user name or display name');
      break;
    }
  }
  return out;
}
