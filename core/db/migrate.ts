/**
 * A small migration runner: versioned migrations, each applied once inside a transaction and
 * recorded with a checksum of its SQL, so an edited migration or a database written by a newer
 * version is refused instead of silently misread.
 */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';

export interface Migration {
  /** 1, 2, 3 ... strictly increasing, never reused */
  version: number;
  name: string;
  /** SQL run as one script inside the migration's transaction */
  sql: string;
}

export interface AppliedMigration {
  version: number;
  name: string;
  appliedAt: number;
  checksum: string;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

export function migrationChecksum(m: Migration): string {
  return createHash('sha256').update(m.sql).digest('hex').slice(0, 16);
}

/** Applies the pending migrations; returns the versions it applied. */
export function runMigrations(db: Database.Database, migrations: readonly Migration[], now: () => number = Date.now): number[] {
  for (let i = 0; i < migrations.length; i++) {
    const m = migrations[i]!;
    if (!Number.isInteger(m.version) || m.version !== i + 1)
      throw new MigrationError(`migration "${m.name}" has version ${m.version}, expected ${i + 1} (versions are 1, 2, 3 ... without gaps)`);
  }
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL,
    checksum TEXT NOT NULL
  ) STRICT`);
  const applied = appliedMigrations(db);
  const known = new Map(migrations.map((m) => [m.version, m]));
  for (const a of applied) {
    const m = known.get(a.version);
    if (!m)
      throw new MigrationError(
        `the database is at schema version ${a.version} ("${a.name}"), newer than this program knows (${migrations.length}); refusing to open it`,
      );
    if (migrationChecksum(m) !== a.checksum)
      throw new MigrationError(`migration ${a.version} ("${a.name}") was changed after it was applied (checksum differs)`);
  }
  const done = new Set(applied.map((a) => a.version));
  const ran: number[] = [];
  const insert = db.prepare('INSERT INTO schema_migrations (version, name, applied_at, checksum) VALUES (?, ?, ?, ?)');
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      insert.run(m.version, m.name, now(), migrationChecksum(m));
    }).immediate();
    ran.push(m.version);
  }
  return ran;
}

export function appliedMigrations(db: Database.Database): AppliedMigration[] {
  const rows = db
    .prepare('SELECT version, name, applied_at AS appliedAt, checksum FROM schema_migrations ORDER BY version')
    .all() as AppliedMigration[];
  return rows;
}

export function schemaVersion(db: Database.Database): number {
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null } | undefined;
  return row?.v ?? 0;
}
