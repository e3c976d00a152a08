/**
 * SQLite layout of the historian (one file, WAL mode):
 *
 *   points(id, name)                         point name -> small integer
 *   partitions(name, kind, days, start, end) catalogue of the monthly partition tables
 *   raw_d<days>_<yyyymm>(id, point, t0, t1, n, data)     sealed, deflated chunks
 *   agg_d<days>_<yyyymm>(point, level, b, n, min, max, ...)  rollups, one row per bucket (open
 *                                            buckets and the closed ones not yet packed)
 *   agg_d<days>_<yyyymm>_pk(id, point, level, b0, b1, k, data)  closed rollup buckets packed by
 *                                            columns (codec.ts encodeBuckets), a day/week/month each
 *   hot(point, seq, t0, t1, n, data)         the open chunk of each point, as appended deltas
 *   forecasts(series, ts, issued, kind, value)
 *
 * A partition holds one UTC month of the points whose policy has the same retention, so
 * retention is DROP TABLE. The hot table, the sealed chunks and the rollup rows of one flush
 * are written in one transaction: after a crash the file is consistent and at most the
 * samples not yet flushed are missing.
 */
import Database from 'better-sqlite3';
import { decodeBuckets, decodeChunk, type DecodedChunk } from './codec';
import { ROLLUP_LEVELS, type Bucket } from './rollup';

export const DAY_MS = 86_400_000;

export function monthKey(t: number): { key: string; start: number; end: number } {
  const d = new Date(t);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  return { key: `${y}${String(m + 1).padStart(2, '0')}`, start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
}

/** the table of packed rollup blocks that goes with an agg partition */
export const packedTable = (aggPartition: string): string => `${aggPartition}_pk`;

/**
 * Schema versions of the file: 1 = rollups at 1 min, 15 min, 1 h, 1 d, one row per bucket;
 * 2 = no stored 1 min level (derived from raw), closed buckets packed (`_pk` tables).
 */
export const SCHEMA_VERSION = 2;

/** Brings a file written by an older version up to SCHEMA_VERSION (in one transaction). */
export function migrate(db: Database.Database): void {
  const v = Number((db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: string } | undefined)?.value ?? SCHEMA_VERSION);
  if (v >= SCHEMA_VERSION) return;
  db.transaction(() => {
    const aggs = db.prepare("SELECT name, kind, days, start, end FROM partitions WHERE kind = 'agg'").all() as PartitionRow[];
    for (const p of aggs) {
      if (v < 2) {
        // level 0 was the 1 min level: derived from raw now; the others move down one index
        db.prepare(`DELETE FROM ${p.name} WHERE level = 0`).run();
        // in two steps: one UPDATE that renumbers in place could meet a row not yet moved
        db.prepare(`UPDATE ${p.name} SET level = level + 100`).run();
        db.prepare(`UPDATE ${p.name} SET level = level - 101`).run();
      }
      createPartitionTable(db, p);
    }
    db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema', ?)").run(String(SCHEMA_VERSION));
  })();
  db.pragma('incremental_vacuum');
}

export function partitionName(kind: 'raw' | 'agg', days: number, t: number): string {
  return `${kind}_d${days}_${monthKey(t).key}`;
}

export interface PartitionRow {
  name: string;
  kind: 'raw' | 'agg';
  days: number;
  start: number;
  end: number;
}

export function openDatabase(path: string, readonly: boolean): Database.Database {
  const db = new Database(path, { readonly, fileMustExist: readonly });
  if (!readonly) {
    db.pragma('page_size = 1024');
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('cache_size = -32000');
    db.exec(`
      CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS points(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
      CREATE TABLE IF NOT EXISTS partitions(name TEXT PRIMARY KEY, kind TEXT NOT NULL, days INTEGER NOT NULL,
        start INTEGER NOT NULL, end INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS hot(point INTEGER NOT NULL, seq INTEGER NOT NULL, t0 INTEGER NOT NULL,
        t1 INTEGER NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY(point, seq)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS forecasts(series TEXT NOT NULL, ts INTEGER NOT NULL, issued INTEGER NOT NULL,
        kind TEXT NOT NULL, value REAL, PRIMARY KEY(series, ts, issued)) WITHOUT ROWID;
    `);
    // a new file starts at the current schema; an existing one keeps its version until migrate()
    const fresh = (db.prepare("SELECT count(*) AS n FROM meta WHERE key = 'schema'").get() as { n: number }).n === 0;
    if (fresh) db.prepare("INSERT INTO meta(key, value) VALUES ('schema', ?)").run(String(SCHEMA_VERSION));
    migrate(db);
  } else {
    db.pragma('cache_size = -32000');
  }
  return db;
}

export function createPartitionTable(db: Database.Database, p: PartitionRow): void {
  if (p.kind === 'raw') {
    db.exec(`CREATE TABLE IF NOT EXISTS ${p.name}(id INTEGER PRIMARY KEY, point INTEGER NOT NULL, t0 INTEGER NOT NULL,
      t1 INTEGER NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL);
      CREATE INDEX IF NOT EXISTS ${p.name}_pt ON ${p.name}(point, t0);`);
  } else {
    db.exec(`CREATE TABLE IF NOT EXISTS ${p.name}(point INTEGER NOT NULL, level INTEGER NOT NULL, b INTEGER NOT NULL,
      n INTEGER NOT NULL, min REAL, max REAL, tmin INTEGER, tmax INTEGER, first REAL, tfirst INTEGER,
      last REAL, tlast INTEGER, sum REAL, integ REAL, dur INTEGER, PRIMARY KEY(point, level, b)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS ${packedTable(p.name)}(id INTEGER PRIMARY KEY, point INTEGER NOT NULL, level INTEGER NOT NULL,
        b0 INTEGER NOT NULL, b1 INTEGER NOT NULL, k INTEGER NOT NULL, data BLOB NOT NULL);
      CREATE INDEX IF NOT EXISTS ${packedTable(p.name)}_i ON ${packedTable(p.name)}(point, level, b0);`);
  }
  db.prepare('INSERT OR IGNORE INTO partitions(name, kind, days, start, end) VALUES (?, ?, ?, ?, ?)').run(p.name, p.kind, p.days, p.start, p.end);
}

/** a rollup row as stored: the running state of one bucket */
type AggRow = Bucket;

/** times are stored as offsets from the bucket start (smaller records) */
export function aggParams(pid: number, level: number, k: Bucket): unknown[] {
  return [pid, level, k.b, k.n, k.min, k.max, k.tmin - k.b, k.tmax - k.b, k.first, k.tfirst - k.b, k.last, k.tlast - k.b, k.sum, k.integ, k.dur];
}

export function aggFromRow(r: AggRow): Bucket {
  return {
    b: r.b,
    n: r.n,
    min: r.min,
    max: r.max,
    tmin: r.b + r.tmin,
    tmax: r.b + r.tmax,
    first: r.first,
    tfirst: r.b + r.tfirst,
    last: r.last,
    tlast: r.b + r.tlast,
    sum: r.sum,
    integ: r.integ,
    dur: r.dur,
  };
}

export interface ChunkRef {
  t0: number;
  t1: number;
  n: number;
  load(): DecodedChunk;
}

/** Concatenates decoded chunks (used for the hot deltas of one point). */
export function concatChunks(parts: DecodedChunk[]): DecodedChunk {
  if (parts.length === 1) return parts[0] as DecodedChunk;
  const n = parts.reduce((a, p) => a + p.t.length, 0);
  const t = new Float64Array(n);
  const v = new Float64Array(n);
  const q = new Uint8Array(n);
  let nulls: Uint8Array | undefined;
  let s: (string | null)[] | undefined;
  let type: DecodedChunk['type'] = 'number';
  let o = 0;
  for (const p of parts) {
    t.set(p.t, o);
    v.set(p.v, o);
    q.set(p.q, o);
    if (p.nulls) {
      nulls ??= new Uint8Array(n);
      nulls.set(p.nulls, o);
    }
    if (p.type !== 'number') type = p.type;
    if (p.s) {
      s ??= new Array<string | null>(n).fill(null);
      for (let i = 0; i < p.s.length; i++) s[o + i] = p.s[i] ?? null;
    }
    o += p.t.length;
  }
  return { t, v, q, type, ...(nulls ? { nulls } : {}), ...(s ? { s } : {}) };
}

/** Read access (worker threads open the file read-only; the writer uses it too). */
export class Reader {
  private stmts = new Map<string, Database.Statement>();
  private pointCache = new Map<string, number>();
  constructor(readonly db: Database.Database) {}

  private stmt(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  pointId(name: string): number | undefined {
    let id = this.pointCache.get(name);
    if (id === undefined) {
      const r = this.stmt('SELECT id FROM points WHERE name = ?').get(name) as { id: number } | undefined;
      if (!r) return undefined;
      id = r.id;
      this.pointCache.set(name, id);
    }
    return id;
  }

  partitions(kind: 'raw' | 'agg'): PartitionRow[] {
    return this.stmt('SELECT name, kind, days, start, end FROM partitions WHERE kind = ? ORDER BY start').all(kind) as PartitionRow[];
  }

  private chunkRef(table: string, r: { id: number; t0: number; t1: number; n: number }): ChunkRef {
    return {
      t0: r.t0,
      t1: r.t1,
      n: r.n,
      load: () => decodeChunk((this.stmt(`SELECT data FROM ${table} WHERE id = ?`).get(r.id) as { data: Buffer }).data),
    };
  }

  hotChunk(pid: number): ChunkRef | undefined {
    const rows = this.stmt('SELECT t0, t1, n, data FROM hot WHERE point = ? ORDER BY seq').all(pid) as { t0: number; t1: number; n: number; data: Buffer }[];
    if (rows.length === 0) return undefined;
    return {
      t0: rows[0]!.t0,
      t1: rows[rows.length - 1]!.t1,
      n: rows.reduce((a, r) => a + r.n, 0),
      load: () => concatChunks(rows.map((r) => decodeChunk(r.data))),
    };
  }

  /**
   * Chunks of a point overlapping [from, to], in time order, plus (with `edges`) the chunk
   * just before `from` and just after `to` (for interpolation at the edges).
   */
  chunks(pid: number, from: number, to: number, edges = false): ChunkRef[] {
    const parts = this.partitions('raw');
    const out: ChunkRef[] = [];
    for (const p of parts) {
      if (p.start > to || p.end <= from) continue;
      const rows = this.stmt(`SELECT id, t0, t1, n FROM ${p.name} WHERE point = ? AND t0 <= ? AND t1 >= ? ORDER BY t0`).all(pid, to, from) as {
        id: number;
        t0: number;
        t1: number;
        n: number;
      }[];
      for (const r of rows) out.push(this.chunkRef(p.name, r));
    }
    const hot = this.hotChunk(pid);
    if (hot && hot.t0 <= to && hot.t1 >= from) out.push(hot);
    if (edges) {
      const first = out[0];
      if (!first || first.t0 >= from) {
        const before = this.edgeChunk(pid, parts, from, 'before');
        if (before) out.unshift(before);
      }
      const last = out[out.length - 1];
      if (!last || last.t1 <= to) {
        const after = hot && hot.t0 > to ? hot : this.edgeChunk(pid, parts, to, 'after');
        if (after) out.push(after);
      }
    }
    out.sort((a, b) => a.t0 - b.t0);
    return out;
  }

  private edgeChunk(pid: number, parts: PartitionRow[], t: number, dir: 'before' | 'after'): ChunkRef | undefined {
    const list = dir === 'before' ? parts.filter((p) => p.start < t).reverse() : parts.filter((p) => p.end > t);
    let best: ChunkRef | undefined;
    for (const p of list) {
      const r = (
        dir === 'before'
          ? this.stmt(`SELECT id, t0, t1, n FROM ${p.name} WHERE point = ? AND t1 < ? ORDER BY t0 DESC LIMIT 1`).get(pid, t)
          : this.stmt(`SELECT id, t0, t1, n FROM ${p.name} WHERE point = ? AND t0 > ? ORDER BY t0 LIMIT 1`).get(pid, t)
      ) as { id: number; t0: number; t1: number; n: number } | undefined;
      if (r && (!best || (dir === 'before' ? r.t0 > best.t0 : r.t0 < best.t0))) best = this.chunkRef(p.name, r);
      if (best) break;
    }
    if (dir === 'before' && !best) {
      const hot = this.hotChunk(pid);
      if (hot && hot.t1 < t) return hot;
    }
    return best;
  }

  /** The newest sealed chunk of a point. */
  lastChunk(pid: number): ChunkRef | undefined {
    for (const p of this.partitions('raw').reverse()) {
      const r = this.stmt(`SELECT id, t0, t1, n FROM ${p.name} WHERE point = ? ORDER BY t0 DESC LIMIT 1`).get(pid) as
        | { id: number; t0: number; t1: number; n: number }
        | undefined;
      if (r) return this.chunkRef(p.name, r);
    }
    return undefined;
  }

  /**
   * Rollup rows of a point at a level (index into ROLLUP_LEVELS) with bucket start in [from, to]:
   * the packed blocks and the loose rows.
   */
  aggRows(pid: number, level: number, from: number, to: number): Bucket[] {
    const out: Bucket[] = [];
    for (const p of this.partitions('agg')) {
      if (p.start > to || p.end <= from) continue;
      const blocks = this.stmt(`SELECT data FROM ${packedTable(p.name)} WHERE point = ? AND level = ? AND b0 <= ? AND b1 >= ? ORDER BY b0`).all(pid, level, to, from) as {
        data: Buffer;
      }[];
      for (const blk of blocks) for (const b of decodeBuckets(blk.data)) if (b.b >= from && b.b <= to) out.push(b);
      const rows = this.stmt(`SELECT * FROM ${p.name} WHERE point = ? AND level = ? AND b >= ? AND b <= ? ORDER BY b`).all(pid, level, from, to) as AggRow[];
      for (const r of rows) out.push(aggFromRow(r));
    }
    if (out.length > 1) out.sort((a, b) => a.b - b.b);
    return out;
  }

  /** The newest rollup row of a point at a level (to resume after a restart; the open bucket is never packed). */
  lastAgg(pid: number, level: number): Bucket | undefined {
    const parts = this.partitions('agg').reverse();
    for (const p of parts) {
      const r = this.stmt(`SELECT * FROM ${p.name} WHERE point = ? AND level = ? ORDER BY b DESC LIMIT 1`).get(pid, level) as AggRow | undefined;
      if (r) return aggFromRow(r);
    }
    return undefined;
  }

  /** The open chunk's extent from the hot table's row metadata (no blob read). */
  private hotExtent(pid: number): { t0: number; t1: number; n: number } | undefined {
    const h = this.stmt('SELECT min(t0) AS t0, max(t1) AS t1, coalesce(sum(n), 0) AS n FROM hot WHERE point = ?').get(pid) as { t0: number | null; t1: number | null; n: number };
    return h.n > 0 && h.t0 !== null && h.t1 !== null ? { t0: h.t0, t1: h.t1, n: h.n } : undefined;
  }

  /**
   * Samples in the chunks overlapping [from, to] (whole chunks), summed by SQLite from the chunk
   * rows: no blob is read and no object made per chunk (a year of 1 s data is 7,700 chunks).
   */
  rawCount(pid: number, from: number, to: number): number {
    let n = 0;
    for (const p of this.partitions('raw')) {
      if (p.start > to || p.end <= from) continue;
      n += (this.stmt(`SELECT coalesce(sum(n), 0) AS n FROM ${p.name} WHERE point = ? AND t0 <= ? AND t1 >= ?`).get(pid, to, from) as { n: number }).n;
    }
    const h = this.hotExtent(pid);
    if (h && h.t0 <= to && h.t1 >= from) n += h.n;
    return n;
  }

  /** Raw sample count in [from, to] from chunk metadata (the edge chunks pro rata), summed by SQLite. */
  countEstimate(pid: number, from: number, to: number): number {
    const part = (t0: number, t1: number, n: number): number => {
      const span = Math.max(1, t1 - t0);
      const overlap = Math.max(0, Math.min(to, t1) - Math.max(from, t0));
      return t0 >= from && t1 <= to ? n : Math.min(n, Math.ceil((n * (overlap + 1)) / span));
    };
    let n = 0;
    for (const p of this.partitions('raw')) {
      if (p.start > to || p.end <= from) continue;
      // the same sum as part() per row: IEEE division and ceil, as in JavaScript
      const r = this.stmt(
        `SELECT coalesce(sum(CASE WHEN t0 >= @from AND t1 <= @to THEN n ELSE min(n, CAST(q AS INTEGER) + (q > CAST(q AS INTEGER))) END), 0) AS n
         FROM (SELECT t0, t1, n, (n * (max(0, min(@to, t1) - max(@from, t0)) + 1)) * 1.0 / max(1, t1 - t0) AS q
               FROM ${p.name} WHERE point = @pid AND t0 <= @to AND t1 >= @from)`,
      ).get({ from, to, pid }) as { n: number };
      n += r.n;
    }
    const h = this.hotExtent(pid);
    if (h && h.t0 <= to && h.t1 >= from) n += part(h.t0, h.t1, h.n);
    return n;
  }
}

export const LEVEL_COUNT = ROLLUP_LEVELS.length;
