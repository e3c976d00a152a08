/**
 * Studies live in their own SQLite file (`<data>/studies.sqlite`), never in the application
 * database: a planner's what-ifs are not the site's records, can be copied to a laptop, and a
 * study file opened on another machine never touches that machine's accounts or audit log.
 *
 * A study carries its format number. One saved by a newer ES Manager (a format this app does
 * not know) is listed and shown read-only with a sentence, never changed, run or re-saved; a
 * store file whose schema is newer than the app opens read-only as a whole.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { STUDY_FORMAT, studySpecSchema, type StudyRecord, type StudyResults, type StudySpec, type StudySummary } from '../common/study';

/** the schema of the store file itself */
export const STORE_VERSION = 1;
export const STUDY_FILE_KIND = 'es-manager-study';

export class StudyError extends Error {
  constructor(
    message: string,
    readonly code: 'not-found' | 'read-only' | 'invalid',
  ) {
    super(message);
    this.name = 'StudyError';
  }
}

interface Row {
  id: string;
  name: string;
  format: number;
  spec: string;
  results: Buffer | null;
  updated_at: number;
}

export function newerFormatSentence(format: number): string {
  return `This study was saved by a newer version of ES Manager (study format ${format}; this version reads up to ${STUDY_FORMAT}). It opens read-only: it cannot be changed or run here.`;
}

/** A zod error as one sentence naming where: "site.batteryKwh: the battery size cannot be negative". */
export function specProblem(e: unknown): string {
  const r = studySpecSchema.safeParse(e);
  if (r.success) return '';
  return r.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : 'the study'}: ${i.message}`)
    .join('; ');
}

export function parseSpec(raw: unknown): StudySpec {
  const r = studySpecSchema.safeParse(raw);
  if (!r.success) throw new StudyError(`The study is not valid: ${specProblem(raw)}.`, 'invalid');
  return r.data;
}

export class StudyStore {
  private readonly db: Database.Database;
  /** the whole file is newer than this app: nothing is written */
  readonly readOnlyReason: string | undefined;

  constructor(readonly file: string) {
    let db = new Database(file);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > STORE_VERSION) {
      db.close();
      db = new Database(file, { readonly: true });
      this.readOnlyReason = `The study file ${file} was written by a newer version of ES Manager (store version ${version}; this version knows ${STORE_VERSION}). Its studies open read-only.`;
    } else {
      db.pragma('journal_mode = WAL');
      db.exec(`CREATE TABLE IF NOT EXISTS studies (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        format INTEGER NOT NULL,
        spec TEXT NOT NULL,
        results BLOB,
        updated_at INTEGER NOT NULL
      )`);
      if (version < STORE_VERSION) db.pragma(`user_version = ${STORE_VERSION}`);
    }
    this.db = db;
  }

  close(): void {
    this.db.close();
  }

  private row(id: string): Row {
    const r = this.db.prepare('SELECT * FROM studies WHERE id = ?').get(id) as Row | undefined;
    if (!r) throw new StudyError(`There is no study "${id}".`, 'not-found');
    return r;
  }

  private summary(r: Pick<Row, 'id' | 'name' | 'format' | 'updated_at'> & { has: number }): StudySummary {
    const newer = r.format > STUDY_FORMAT;
    const reason = newer ? newerFormatSentence(r.format) : this.readOnlyReason;
    return { id: r.id, name: r.name, updatedAt: r.updated_at, format: r.format, readOnly: reason !== undefined, ...(reason !== undefined ? { readOnlyReason: reason } : {}), hasResults: r.has === 1 };
  }

  list(): StudySummary[] {
    const rows = this.db.prepare('SELECT id, name, format, updated_at, results IS NOT NULL AS has FROM studies ORDER BY updated_at DESC, id').all() as Array<Row & { has: number }>;
    return rows.map((r) => this.summary(r));
  }

  get(id: string, withResults = true): StudyRecord {
    const r = this.row(id);
    const s = this.summary({ ...r, has: r.results ? 1 : 0 });
    const raw: unknown = JSON.parse(r.spec);
    if (r.format > STUDY_FORMAT) return { ...s, raw };
    const out: StudyRecord = { ...s, spec: parseSpec(raw) };
    if (withResults && r.results) out.results = JSON.parse(inflateSync(r.results).toString('utf8')) as StudyResults;
    return out;
  }

  private writable(id?: string): void {
    if (this.readOnlyReason) throw new StudyError(this.readOnlyReason, 'read-only');
    if (id === undefined) return;
    const r = this.row(id);
    if (r.format > STUDY_FORMAT) throw new StudyError(newerFormatSentence(r.format), 'read-only');
  }

  /** creates (no id) or replaces a study's spec; a changed spec drops its results */
  save(spec: unknown, id?: string): StudySummary {
    this.writable(id);
    const s = parseSpec(spec);
    const now = Date.now();
    const key = id ?? randomUUID();
    const text = JSON.stringify(s);
    if (id === undefined) this.db.prepare('INSERT INTO studies (id, name, format, spec, results, updated_at) VALUES (?, ?, ?, ?, NULL, ?)').run(key, s.name, STUDY_FORMAT, text, now);
    else {
      const old = this.row(id);
      const same = old.spec === text;
      this.db.prepare(`UPDATE studies SET name = ?, format = ?, spec = ?, updated_at = ?${same ? '' : ', results = NULL'} WHERE id = ?`).run(s.name, STUDY_FORMAT, text, now, key);
    }
    return this.get(key, false);
  }

  setResults(id: string, results: StudyResults): void {
    this.writable(id);
    this.db.prepare('UPDATE studies SET results = ?, updated_at = ? WHERE id = ?').run(deflateSync(Buffer.from(JSON.stringify(results))), Date.now(), id);
  }

  delete(id: string): void {
    if (this.readOnlyReason) throw new StudyError(this.readOnlyReason, 'read-only');
    this.row(id);
    this.db.prepare('DELETE FROM studies WHERE id = ?').run(id);
  }

  /** the study as one file (JSON): its spec and its results, for another machine */
  exportFile(id: string): string {
    const r = this.row(id);
    const file = {
      kind: STUDY_FILE_KIND,
      format: r.format,
      exportedAt: new Date().toISOString(),
      name: r.name,
      spec: JSON.parse(r.spec) as unknown,
      results: r.results ? (JSON.parse(inflateSync(r.results).toString('utf8')) as unknown) : null,
    };
    return JSON.stringify(file);
  }

  /**
   * A study file from exportFile. A newer format is kept as it is and opens read-only; a
   * known one is validated, its problem named by path.
   */
  importFile(text: string): StudySummary {
    this.writable();
    let f: { kind?: unknown; format?: unknown; name?: unknown; spec?: unknown; results?: unknown };
    try {
      f = JSON.parse(text) as typeof f;
    } catch {
      throw new StudyError('This is not a study file: it is not JSON.', 'invalid');
    }
    if (typeof f !== 'object' || f === null || f.kind !== STUDY_FILE_KIND) throw new StudyError(`This is not a study file: it does not say kind "${STUDY_FILE_KIND}".`, 'invalid');
    if (typeof f.format !== 'number' || !Number.isInteger(f.format) || f.format < 1) throw new StudyError('This study file has no valid format number.', 'invalid');
    const id = randomUUID();
    const now = Date.now();
    if (f.format > STUDY_FORMAT) {
      const name = typeof f.name === 'string' && f.name.length > 0 ? f.name.slice(0, 120) : 'Imported study';
      this.db.prepare('INSERT INTO studies (id, name, format, spec, results, updated_at) VALUES (?, ?, ?, ?, NULL, ?)').run(id, name, f.format, JSON.stringify(f.spec ?? null), now);
      return this.get(id, false);
    }
    const spec = parseSpec(f.spec);
    const results = f.results && typeof f.results === 'object' ? deflateSync(Buffer.from(JSON.stringify(f.results))) : null;
    this.db.prepare('INSERT INTO studies (id, name, format, spec, results, updated_at) VALUES (?, ?, ?, ?, ?, ?)').run(id, spec.name, STUDY_FORMAT, JSON.stringify(spec), results, now);
    return this.get(id, false);
  }
}
