/**
 * The application database (accounts, sessions, roles, audit log, reasons, sealed secrets):
 * one SQLite file opened with better-sqlite3 in WAL mode, migrated on open.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { runMigrations, type Migration } from './migrate';
import { APP_MIGRATIONS } from './migrations';

export { runMigrations, appliedMigrations, schemaVersion, migrationChecksum, MigrationError, type Migration, type AppliedMigration } from './migrate';
export { APP_MIGRATIONS } from './migrations';

export type AppDb = Database.Database;

export interface OpenAppDbOptions {
  /** defaults to APP_MIGRATIONS */
  migrations?: readonly Migration[];
  now?: () => number;
}

/**
 * Opens (creating if needed, with mode 0600) and migrates the application database.
 * `:memory:` works for tests.
 */
export function openAppDb(path: string, opts: OpenAppDbOptions = {}): AppDb {
  const inMemory = path === ':memory:';
  const created = !inMemory && !existsSync(path);
  if (created) mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new Database(path);
  try {
    if (created && process.platform !== 'win32') chmodSync(path, 0o600);
    if (!inMemory) db.pragma('journal_mode = WAL');
    // the audit log and sign-in state must survive a power cut: FULL costs little at our write rate
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // deleted sessions and secrets are overwritten, not left in free pages
    db.pragma('secure_delete = ON');
    db.pragma('trusted_schema = OFF');
    runMigrations(db, opts.migrations ?? APP_MIGRATIONS, opts.now);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}
