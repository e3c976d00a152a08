/**
 * Secrets at rest (syssecurity.01): protocol credentials and API keys sealed with AES-256-GCM
 * under a 32-byte data key from a pluggable KeyProvider. The secret's id (and site) is the
 * GCM additional data, so a sealed value copied onto another row does not open.
 *
 * KeyProviders: FileKeyProvider (browser mode: a key file, 0600, refused if readable by
 * others) and SafeStorageKeyProvider (Electron: the data key wrapped by the OS keychain via
 * safeStorage; the shell passes its `safeStorage` in, so this module never imports electron).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { ApiError } from '../common/api/contract';
import type { SecretMeta } from '../common/security';

export const KEY_BYTES = 32;

export interface KeyProvider {
  /** e.g. 'file', 'safe-storage' */
  readonly kind: string;
  /** the 32-byte data key; created on first use */
  getKey(): Promise<Buffer>;
}

export class KeyProviderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyProviderError';
  }
}

/** Short public fingerprint of a key (stored with each secret to detect the wrong key). */
export function keyId(key: Buffer): string {
  return createHash('sha256').update('esm-key-id:').update(key).digest('hex').slice(0, 16);
}

/** Derives a sub-key for another purpose (e.g. the audit anchor) from the data key. */
export function deriveKey(key: Buffer, purpose: string): Buffer {
  return createHash('sha256').update('esm-derive:').update(purpose).update(':').update(key).digest();
}

function createExclusive(path: string, data: Buffer): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const fd = openSync(path, 'wx', 0o600); // fails if it exists: never overwrite a key
  try {
    writeSync(fd, data);
  } finally {
    closeSync(fd);
  }
}

function readPrivateFile(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if (process.platform !== 'win32') {
      if ((st.mode & 0o077) !== 0)
        throw new KeyProviderError(`${path} is accessible by group or others (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`);
      if (typeof process.getuid === 'function' && st.uid !== process.getuid())
        throw new KeyProviderError(`${path} is not owned by the user running ES Manager`);
    }
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Browser mode: the key lives in a file with mode 0600 next to the database. */
export class FileKeyProvider implements KeyProvider {
  readonly kind = 'file';
  private key: Buffer | null = null;
  constructor(readonly path: string) {}

  async getKey(): Promise<Buffer> {
    if (this.key) return this.key;
    if (!existsSync(this.path)) {
      try {
        createExclusive(this.path, Buffer.from(randomBytes(KEY_BYTES).toString('base64') + '\n'));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
    const key = Buffer.from(readPrivateFile(this.path).toString('utf8').trim(), 'base64');
    if (key.length !== KEY_BYTES) throw new KeyProviderError(`${this.path} does not hold a ${KEY_BYTES}-byte base64 key`);
    this.key = key;
    return key;
  }
}

/** The part of Electron's `safeStorage` this provider needs (the shell passes it in). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/** Electron: a random data key, stored wrapped by the OS keychain (DPAPI, Keychain, libsecret). */
export class SafeStorageKeyProvider implements KeyProvider {
  readonly kind = 'safe-storage';
  private key: Buffer | null = null;
  constructor(
    private readonly safeStorage: SafeStorageLike,
    readonly wrappedKeyPath: string,
  ) {}

  async getKey(): Promise<Buffer> {
    if (this.key) return this.key;
    if (!this.safeStorage.isEncryptionAvailable())
      throw new KeyProviderError('OS key storage is not available (on Linux: no secret service); refusing to store the key in clear');
    if (!existsSync(this.wrappedKeyPath)) {
      try {
        createExclusive(this.wrappedKeyPath, this.safeStorage.encryptString(randomBytes(KEY_BYTES).toString('base64')));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
    const key = Buffer.from(this.safeStorage.decryptString(readPrivateFile(this.wrappedKeyPath)), 'base64');
    if (key.length !== KEY_BYTES) throw new KeyProviderError(`${this.wrappedKeyPath} does not unwrap to a ${KEY_BYTES}-byte key`);
    this.key = key;
    return key;
  }
}

/** Tests and tools: a fixed key in memory. */
export class StaticKeyProvider implements KeyProvider {
  readonly kind = 'static';
  constructor(private readonly key: Buffer) {
    if (key.length !== KEY_BYTES) throw new KeyProviderError(`a key has ${KEY_BYTES} bytes`);
  }
  async getKey(): Promise<Buffer> {
    return this.key;
  }
}

export interface Sealed {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

export function seal(key: Buffer, plaintext: string, aad: string): Sealed {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
  return { keyId: keyId(key), iv, tag: c.getAuthTag(), ciphertext };
}

export function open(key: Buffer, s: Sealed, aad: string): string {
  if (s.keyId !== keyId(key)) throw new KeyProviderError(`sealed with another key (${s.keyId}); the key file or keychain entry was replaced`);
  const d = createDecipheriv('aes-256-gcm', key, s.iv);
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(s.tag);
  return Buffer.concat([d.update(s.ciphertext), d.final()]).toString('utf8');
}

/**
 * A small record sealed (AES-256-GCM, the purpose as additional data) in a 0600 file next to
 * the key, outside the database: the audit log keeps its monotonic head counter here, so
 * cutting the log's tail and restoring an old anchor inside the database is still detected.
 * Writes are atomic (temp file, fsync, rename). `read` throws if the file was forged, sealed
 * with another key or is readable by others; returns undefined if there is none yet.
 */
export class SealedRecordFile<T> {
  constructor(
    readonly path: string,
    private readonly key: Buffer,
    private readonly purpose: string,
  ) {}

  read(): T | undefined {
    if (!existsSync(this.path)) return undefined;
    let j: { keyId: string; iv: string; tag: string; ciphertext: string };
    try {
      j = JSON.parse(readPrivateFile(this.path).toString('utf8')) as typeof j;
    } catch (e) {
      if (e instanceof KeyProviderError) throw e;
      throw new KeyProviderError(`${this.path} is not a sealed record (unreadable)`);
    }
    let plain: string;
    try {
      plain = open(this.key, { keyId: j.keyId, iv: Buffer.from(j.iv, 'base64'), tag: Buffer.from(j.tag, 'base64'), ciphertext: Buffer.from(j.ciphertext, 'base64') }, this.purpose);
    } catch (e) {
      if (e instanceof KeyProviderError) throw e;
      throw new KeyProviderError(`${this.path} does not open: it was altered or forged`);
    }
    return JSON.parse(plain) as T;
  }

  write(value: T): void {
    const s = seal(this.key, JSON.stringify(value), this.purpose);
    const body = JSON.stringify({ keyId: s.keyId, iv: s.iv.toString('base64'), tag: s.tag.toString('base64'), ciphertext: s.ciphertext.toString('base64') });
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, body);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }
}

interface SecretRow {
  id: string;
  site_id: string | null;
  description: string;
  key_id: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
  updated_at: number;
  updated_by: string;
}

const aadOf = (id: string, siteId: string | null): string => `esm-secret:${id}:${siteId ?? '*'}`;
const meta = (r: SecretRow): SecretMeta => ({ id: r.id, siteId: r.site_id, description: r.description, updatedAt: r.updated_at, updatedBy: r.updated_by });

/**
 * The sealed-secret table. Authorisation and audit belong to the caller (the host checks
 * config.edit and the site, and audits `secret.set` without the value).
 */
export class SecretStore {
  constructor(
    private readonly db: Database.Database,
    private readonly keys: KeyProvider,
    private readonly now: () => number = Date.now,
  ) {}

  async set(id: string, value: string, o: { siteId: string | null; description?: string; by: string }): Promise<SecretMeta> {
    const s = seal(await this.keys.getKey(), value, aadOf(id, o.siteId));
    this.db
      .prepare(
        `INSERT INTO secrets (id, site_id, description, key_id, iv, tag, ciphertext, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET site_id = excluded.site_id, description = excluded.description, key_id = excluded.key_id,
           iv = excluded.iv, tag = excluded.tag, ciphertext = excluded.ciphertext, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      )
      .run(id, o.siteId, o.description ?? '', s.keyId, s.iv, s.tag, s.ciphertext, this.now(), o.by);
    return this.meta(id)!;
  }

  /** The plaintext, for the core only (drivers' credentials); never sent to a renderer. */
  async get(id: string): Promise<string | undefined> {
    const r = this.db.prepare('SELECT * FROM secrets WHERE id = ?').get(id) as SecretRow | undefined;
    if (!r) return undefined;
    try {
      return open(await this.keys.getKey(), { keyId: r.key_id, iv: r.iv, tag: r.tag, ciphertext: r.ciphertext }, aadOf(r.id, r.site_id));
    } catch (e) {
      if (e instanceof KeyProviderError) throw e;
      throw new ApiError('internal', `secret "${id}" does not decrypt: it was altered or moved`);
    }
  }

  meta(id: string): SecretMeta | undefined {
    const r = this.db.prepare('SELECT * FROM secrets WHERE id = ?').get(id) as SecretRow | undefined;
    return r ? meta(r) : undefined;
  }

  /** Metadata only; `sites` restricts to the caller's sites (null-site secrets need 'all'). */
  list(sites: 'all' | readonly string[] = 'all'): SecretMeta[] {
    const rows = this.db.prepare('SELECT * FROM secrets ORDER BY id').all() as SecretRow[];
    return rows.filter((r) => sites === 'all' || (r.site_id !== null && sites.includes(r.site_id))).map(meta);
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM secrets WHERE id = ?').run(id).changes > 0;
  }
}
