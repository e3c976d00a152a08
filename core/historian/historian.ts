/**
 * The historian service. `record()` takes the samples of one CVT flush; recording policies
 * (policy.ts) decide what is kept; kept samples go to the open chunk of their point and to the
 * rollup accumulators (rollup.ts). `flush()` (every flushMs, or when enough is buffered) writes
 * in ONE transaction: sealed chunks (deflated, into their monthly partition), the new part of
 * every open chunk (hot table) and the touched rollup rows. Queries and exports run in worker
 * threads that open the file read-only (pool.ts).
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import type Database from 'better-sqlite3';
import {
  historianConfigSchema,
  type BackupInfo,
  type ExportProgress,
  type ExportRequest,
  type ForecastQuery,
  type ForecastSeries,
  type ForecastWrite,
  type HistorianConfig,
  type HistorianConfigInput,
  type RecordingPolicy,
  type TrendQuery,
  type TrendResult,
} from '../common/historian';
import type { PointId, PointValue } from '../common/point';
import type { Quality } from '../common/quality';
import { realScheduler, type Cancel, type Scheduler } from '../common/clock';
import { chunkValue, encodeBuckets, encodeChunk, qualityCode } from './codec';
import { csvPieces } from './export';
import { checkExport, DEFAULT_HISTORIAN_LIMITS, rawEstimator, type HistorianLimits } from './limits';
import { createPolicyState, resolvePolicy, type Emit, type NatureOf, type PolicyState } from './policy';
import { QueryPool } from './pool';
import { runForecastQuery, runQuery } from './query';
import { PACK_AFTER, ROLLUP_LEVELS, RollupAcc, type Bucket } from './rollup';
import { aggFromRow, aggParams, createPartitionTable, DAY_MS, monthKey, openDatabase, packedTable, partitionName, Reader, type PartitionRow } from './store';

export interface Sample {
  id: PointId;
  value: PointValue;
  quality: Quality;
  /** source timestamp, ms since epoch */
  ts: number;
}

export interface HistorianOptions {
  config?: HistorianConfigInput;
  /** nature of an asset, for policies matched by nature */
  natureOf?: NatureOf;
  /** wall clock (retention, chunk age, backups); default the scheduler's clock */
  now?: () => number;
  /** clock and timers (flush, retention, backups); default the real ones. A virtual one runs the historian faster than real time */
  scheduler?: Scheduler;
  /** flush when this many kept samples are buffered (default 200 000) */
  maxBuffered?: number;
  /**
   * A flush that failed (disk full, read-only, I/O error) with its cause, and `undefined` once
   * flushes succeed again. The host turns it into a system alarm. Default: console.error.
   */
  onWriteError?: (cause: Error | undefined) => void;
  /** limits on the work of one query or export (limits.ts) */
  limits?: Partial<HistorianLimits>;
}

export interface HistorianStats {
  received: number;
  /** samples dropped because the buffer was full while the file could not be written */
  dropped: number;
  /** flushes that failed (see HistorianOptions.onWriteError) */
  failedFlushes: number;
  stored: number;
  outOfOrder: number;
  flushes: number;
  chunksSealed: number;
  /** packed rollup blocks written (closed buckets moved out of their one-row-per-bucket table) */
  rollupPacks: number;
  lastFlushMs: number;
  points: number;
}

interface Seg {
  t: number[];
  v: PointValue[];
  q: number[];
}

interface PointRt {
  name: string;
  pid: number;
  policy: RecordingPolicy;
  ps: PolicyState;
  emit: Emit;
  lastTs: number;
  open: Seg;
  flushedN: number;
  openedAt: number;
  monthEnd: number;
  sealed: Seg[];
  hotSeq: number;
  accs: RollupAcc[];
  closed: [number, Bucket][];
  curDirty: boolean[];
  dirty: boolean;
  /** per level: closed buckets written loose since the last pack (unknown after a restart: 0) */
  loose: number[];
  /** per level: the start of the month of the oldest loose closed bucket (NaN: unknown) */
  looseMonth: number[];
}

const GOOD_CODE = 0;

export class Historian {
  readonly config: HistorianConfig;
  readonly dbPath: string;
  private db: Database.Database | undefined;
  private reader: Reader | undefined;
  private pool: QueryPool | undefined;
  private points = new Map<string, PointRt>();
  private dirty = new Set<PointRt>();
  private partitions = new Set<string>();
  private buffered = 0;
  private lastFlush = 0;
  private timers: Cancel[] = [];
  private readonly scheduler: Scheduler;
  private readonly now: () => number;
  private readonly maxBuffered: number;
  private stmts: Record<string, Database.Statement> = {};
  private aggStmts = new Map<string, Database.Statement>();
  private rawStmts = new Map<string, Database.Statement>();
  private emptyDb = true;
  private readonly limits: HistorianLimits;
  /** partition tables created by the flush in progress (forgotten if it rolls back) */
  private createdParts: string[] | undefined;
  private writeError: Error | undefined;
  private readonly s: HistorianStats = { received: 0, dropped: 0, failedFlushes: 0, stored: 0, outOfOrder: 0, flushes: 0, chunksSealed: 0, rollupPacks: 0, lastFlushMs: 0, points: 0 };

  constructor(
    readonly dataDir: string,
    private readonly opts: HistorianOptions = {},
  ) {
    this.config = historianConfigSchema.parse(opts.config ?? {});
    this.dbPath = join(dataDir, 'historian.db');
    this.scheduler = opts.scheduler ?? realScheduler;
    this.now = opts.now ?? (() => this.scheduler.now());
    this.maxBuffered = opts.maxBuffered ?? 200_000;
    this.limits = { ...DEFAULT_HISTORIAN_LIMITS, ...(opts.limits ?? {}) };
  }

  // ------------------------------------------------------------------ lifecycle

  async open(): Promise<void> {
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    const db = openDatabase(this.dbPath, false);
    // the historian holds plant data: owner only (SQLite gives its -wal/-shm the file's mode)
    for (const f of [this.dbPath, `${this.dbPath}-wal`, `${this.dbPath}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
    this.db = db;
    this.reader = new Reader(db);
    for (const p of this.reader.partitions('raw').concat(this.reader.partitions('agg'))) this.partitions.add(p.name);
    this.emptyDb = this.partitions.size === 0 && (db.prepare('SELECT count(*) AS n FROM hot').get() as { n: number }).n === 0;
    this.stmts = {
      pointGet: db.prepare('SELECT id FROM points WHERE name = ?'),
      pointAdd: db.prepare('INSERT INTO points(name) VALUES (?)'),
      hotAdd: db.prepare('INSERT INTO hot(point, seq, t0, t1, n, data) VALUES (?, ?, ?, ?, ?, ?)'),
      hotDel: db.prepare('DELETE FROM hot WHERE point = ?'),
      hotSeq: db.prepare('SELECT max(seq) AS s FROM hot WHERE point = ?'),
      fcAdd: db.prepare('INSERT OR REPLACE INTO forecasts(series, ts, issued, kind, value) VALUES (?, ?, ?, ?, ?)'),
      fcPrune: db.prepare('DELETE FROM forecasts WHERE ts < ?'),
    };
    this.lastFlush = this.now();
    if (this.config.queryWorkers > 0) this.pool = new QueryPool(this.dbPath, this.config.queryWorkers, this.limits);
    // the historian's own flush timer: writing never runs on a bridge's poll (record() only buffers)
    this.timers.push(this.scheduler.setInterval(() => this.tryFlush(), this.config.flushMs));
    const r = this.scheduler.setInterval(() => {
      try {
        this.enforceRetention();
      } catch (e) {
        (this.opts.onWriteError ?? ((c) => console.error('historian: retention failed:', c)))(e instanceof Error ? e : new Error(String(e)));
      }
    }, 3_600_000);
    this.timers.push(r);
    if (this.config.backup.intervalHours > 0)
      this.timers.push(this.scheduler.setInterval(() => void this.backup(undefined, true).catch((e: unknown) => console.error('historian backup failed', e)), this.config.backup.intervalHours * 3_600_000));
    this.enforceRetention();
    await Promise.resolve();
  }

  /** Archives held swinging-door snapshots, flushes, stops the workers and closes the file. */
  async close(): Promise<void> {
    if (!this.db) return;
    for (const cancel of this.timers) cancel();
    this.timers = [];
    for (const rt of this.points.values()) rt.ps.flush(rt.emit);
    // the last batch: a failure here is reported, and the file is still closed
    this.tryFlush();
    this.packAll();
    await this.pool?.close();
    this.pool = undefined;
    try {
      // give back the pages freed by packing and sealing (auto_vacuum = INCREMENTAL)
      this.db.pragma('incremental_vacuum');
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (e) {
      // a full or failing disk: the WAL stays; SQLite replays it at the next open
      console.error('historian: the closing checkpoint failed:', e);
    }
    this.db.close();
    this.db = undefined;
    this.reader = undefined;
    this.points.clear();
  }

  private get conn(): Database.Database {
    if (!this.db) throw new Error('historian is not open');
    return this.db;
  }

  stats(): HistorianStats {
    return { ...this.s, points: this.points.size };
  }

  /** The policy in force for a point. */
  policyOf(id: PointId): RecordingPolicy {
    return resolvePolicy(this.config, id, this.opts.natureOf);
  }

  // ------------------------------------------------------------------ recording

  /**
   * Offers the samples of one CVT flush. Out-of-order samples (ts <= last ts) are dropped.
   * Does not write: the flush runs on the historian's own timer (inline only when more than
   * maxBuffered samples wait, and then guarded), so a failing disk cannot break the caller's poll.
   * While the file cannot be written, at most 4 x maxBuffered samples wait; more are dropped
   * (counted in stats().dropped).
   */
  record(samples: readonly Sample[]): void {
    if (!this.db) throw new Error('historian is not open');
    if (this.buffered >= 4 * this.maxBuffered) {
      this.s.dropped += samples.length;
      return;
    }
    for (const smp of samples) {
      const rt = this.points.get(smp.id) ?? this.loadPoint(smp.id);
      this.s.received++;
      if (!(smp.ts > rt.lastTs)) {
        this.s.outOfOrder++;
        continue;
      }
      rt.lastTs = smp.ts;
      const q = smp.quality.level === 'good' && smp.quality.reason === undefined ? GOOD_CODE : qualityCode(smp.quality);
      rt.ps.offer(smp.ts, smp.value, q, rt.emit);
    }
    // a burst beyond maxBuffered (a bulk import) is written at once, guarded: an error is
    // reported, never thrown into the caller; while the disk fails, only the timer retries
    if (this.buffered >= this.maxBuffered && !this.writeError) this.tryFlush();
  }

  /** flush(), reporting a failure to onWriteError instead of throwing; true when it wrote. */
  tryFlush(): boolean {
    if (!this.db) return false;
    try {
      this.flush();
    } catch (e) {
      this.s.failedFlushes++;
      const err = e instanceof Error ? e : new Error(String(e));
      const first = this.writeError === undefined || this.writeError.message !== err.message;
      this.writeError = err;
      if (first) (this.opts.onWriteError ?? ((c) => console.error('historian: cannot write:', c)))(err);
      return false;
    }
    if (this.writeError) {
      this.writeError = undefined;
      this.opts.onWriteError?.(undefined);
    }
    return true;
  }

  /** The cause of the last failed flush while flushes keep failing, else undefined. */
  get lastWriteError(): Error | undefined {
    return this.writeError;
  }

  private loadPoint(name: string): PointRt {
    let row = this.stmts.pointGet!.get(name) as { id: number } | undefined;
    if (!row) row = { id: Number(this.stmts.pointAdd!.run(name).lastInsertRowid) };
    const policy = this.policyOf(name);
    const rt: PointRt = {
      name,
      pid: row.id,
      policy,
      ps: createPolicyState(policy),
      emit: () => {},
      lastTs: -Infinity,
      open: { t: [], v: [], q: [] },
      flushedN: 0,
      openedAt: 0,
      monthEnd: 0,
      sealed: [],
      hotSeq: 0,
      accs: ROLLUP_LEVELS.map((L) => new RollupAcc(L)),
      closed: [],
      curDirty: ROLLUP_LEVELS.map(() => false),
      dirty: false,
      loose: ROLLUP_LEVELS.map(() => 0),
      looseMonth: ROLLUP_LEVELS.map(() => Number.NaN),
    };
    rt.emit = (ts, value, q) => this.append(rt, ts, value, q);
    if (!this.emptyDb) this.resume(rt);
    this.points.set(name, rt);
    return rt;
  }

  /** After a restart: the open chunk from the hot table, the last sample, the rollup buckets. */
  private resume(rt: PointRt): void {
    const reader = this.reader as Reader;
    const hot = reader.hotChunk(rt.pid);
    let lastT = Number.NaN;
    let lastV: PointValue = null;
    let lastQ = 0;
    if (hot) {
      const c = hot.load();
      for (let i = 0; i < c.t.length; i++) {
        rt.open.t.push(c.t[i] as number);
        rt.open.v.push(chunkValue(c, i));
        rt.open.q.push(c.q[i] as number);
      }
      rt.flushedN = c.t.length;
      rt.openedAt = this.now();
      rt.monthEnd = monthKey(c.t[0] as number).end;
      rt.hotSeq = ((this.stmts.hotSeq!.get(rt.pid) as { s: number | null }).s ?? 0) + 1;
    }
    if (rt.open.t.length > 0) {
      const k = rt.open.t.length - 1;
      lastT = rt.open.t[k] as number;
      lastV = rt.open.v[k] as PointValue;
      lastQ = rt.open.q[k] as number;
    } else {
      const c = reader.lastChunk(rt.pid)?.load();
      if (c && c.t.length > 0) {
        const k = c.t.length - 1;
        lastT = c.t[k] as number;
        lastV = chunkValue(c, k);
        lastQ = c.q[k] as number;
      }
    }
    if (Number.isNaN(lastT)) return;
    rt.lastTs = lastT;
    const x = lastQ >= 16 ? Number.NaN : typeof lastV === 'number' ? lastV : typeof lastV === 'boolean' ? (lastV ? 1 : 0) : Number.NaN;
    rt.accs.forEach((acc, l) => {
      acc.pt = Number.isNaN(x) ? Number.NaN : lastT;
      acc.pv = x;
      const b = reader.lastAgg(rt.pid, l);
      if (b && b.b === acc.bucketOf(lastT)) acc.cur = b;
    });
  }

  private append(rt: PointRt, ts: number, value: PointValue, q: number): void {
    const o = rt.open;
    if (o.t.length > 0 && (ts >= rt.monthEnd || o.t.length >= this.config.chunk.maxSamples)) this.seal(rt);
    if (rt.open.t.length === 0) {
      rt.monthEnd = monthKey(ts).end;
      rt.openedAt = this.now();
    }
    rt.open.t.push(ts);
    rt.open.v.push(value);
    rt.open.q.push(q);
    const x = q >= 16 ? Number.NaN : typeof value === 'number' ? value : typeof value === 'boolean' ? (value ? 1 : 0) : Number.NaN;
    if (!(typeof value === 'string')) {
      for (let l = 0; l < rt.accs.length; l++) {
        (rt.accs[l] as RollupAcc).add(ts, x, (b) => rt.closed.push([l, b]));
        rt.curDirty[l] = true;
      }
    }
    if (!rt.dirty) {
      rt.dirty = true;
      this.dirty.add(rt);
    }
    this.buffered++;
    this.s.stored++;
  }

  private seal(rt: PointRt): void {
    rt.sealed.push(rt.open);
    rt.open = { t: [], v: [], q: [] };
    rt.flushedN = 0;
  }

  private partition(kind: 'raw' | 'agg', days: number, t: number): string {
    const name = partitionName(kind, days, t);
    if (!this.partitions.has(name)) {
      const m = monthKey(t);
      createPartitionTable(this.conn, { name, kind, days, start: m.start, end: m.end });
      this.partitions.add(name);
      this.createdParts?.push(name);
      this.emptyDb = false;
    }
    return name;
  }

  private rawInsert(table: string): Database.Statement {
    let s = this.rawStmts.get(table);
    if (!s) {
      s = this.conn.prepare(`INSERT INTO ${table}(point, t0, t1, n, data) VALUES (?, ?, ?, ?, ?)`);
      this.rawStmts.set(table, s);
    }
    return s;
  }

  private aggUpsert(table: string): Database.Statement {
    let s = this.aggStmts.get(table);
    if (!s) {
      s = this.conn.prepare(`INSERT OR REPLACE INTO ${table} VALUES (${new Array(15).fill('?').join(',')})`);
      this.aggStmts.set(table, s);
    }
    return s;
  }

  /**
   * Moves the closed loose rollup rows of a point and level (buckets before `before`) into packed
   * blocks, one per month partition, inside the caller's transaction. `fromMonth` is the month of
   * the oldest loose row (NaN: unknown, after a restart: every partition of that retention).
   */
  private pack(pid: number, level: number, days: number, before: number, fromMonth: number): void {
    const db = this.conn;
    const prefix = `agg_d${days}_`;
    const lo = Number.isNaN(fromMonth) ? -Infinity : fromMonth;
    for (const name of this.partitions) {
      if (!name.startsWith(prefix)) continue;
      const m = monthKey(Date.UTC(Number(name.slice(prefix.length, prefix.length + 4)), Number(name.slice(prefix.length + 4)) - 1, 1));
      if (m.end <= lo || m.start >= before) continue;
      const rows = db.prepare(`SELECT * FROM ${name} WHERE point = ? AND level = ? AND b < ? ORDER BY b`).all(pid, level, before) as Bucket[];
      if (rows.length === 0) continue;
      const bs = rows.map((r) => aggFromRow(r));
      db.prepare(`INSERT INTO ${packedTable(name)}(point, level, b0, b1, k, data) VALUES (?, ?, ?, ?, ?, ?)`).run(pid, level, bs[0]!.b, bs[bs.length - 1]!.b, bs.length, encodeBuckets(bs));
      db.prepare(`DELETE FROM ${name} WHERE point = ? AND level = ? AND b < ?`).run(pid, level, before);
      this.s.rollupPacks++;
    }
  }

  /** At close: packs every closed loose bucket whose month is known, in one transaction. */
  private packAll(): void {
    try {
      this.conn.transaction(() => {
        for (const rt of this.points.values()) {
          const rd = rt.policy.rollupRetentionDays ?? rt.policy.retentionDays;
          for (let l = 0; l < rt.accs.length; l++) {
            const cur = (rt.accs[l] as RollupAcc).cur;
            if (cur && (rt.loose[l] as number) > 0) this.pack(rt.pid, l, rd, cur.b, rt.looseMonth[l] as number);
          }
        }
      })();
    } catch (e) {
      // the rows stay loose and readable; the next run packs them
      (this.opts.onWriteError ?? ((c) => console.error('historian: packing rollups at close failed:', c)))(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** Commits everything buffered in one transaction. */
  flush(): void {
    const db = this.conn;
    const t0 = performance.now();
    const now = this.now();
    // age-based sealing of open chunks that are entirely in the hot table
    for (const rt of this.points.values()) {
      if (rt.open.t.length > 0 && now - rt.openedAt >= this.config.chunk.maxAgeMs) {
        this.seal(rt);
        if (!rt.dirty) {
          rt.dirty = true;
          this.dirty.add(rt);
        }
      }
    }
    if (this.dirty.size === 0) {
      this.lastFlush = now;
      return;
    }
    const rawDaysOf = (rt: PointRt): number => rt.policy.retentionDays;
    const rollDaysOf = (rt: PointRt): number => rt.policy.rollupRetentionDays ?? rt.policy.retentionDays;
    // the in-memory state changes only once the transaction committed: a failed flush (disk
    // full) keeps every buffered sample, and the next flush writes it again
    const commit: Array<() => void> = [];
    this.createdParts = [];
    try {
      db.transaction(() => {
        for (const rt of this.dirty) {
          if (rt.sealed.length > 0) {
            for (const seg of rt.sealed) {
              const ts0 = seg.t[0] as number;
              const table = this.partition('raw', rawDaysOf(rt), ts0);
              this.rawInsert(table).run(rt.pid, ts0, seg.t[seg.t.length - 1], seg.t.length, encodeChunk(seg.t, seg.v, seg.q, true));
            }
            const n = rt.sealed.length;
            commit.push(() => {
              this.s.chunksSealed += n;
              rt.sealed = rt.sealed.slice(n);
            });
            this.stmts.hotDel!.run(rt.pid);
          }
          const o = rt.open;
          if (o.t.length > rt.flushedN) {
            const a = rt.flushedN;
            const end = o.t.length;
            const blob = encodeChunk(o.t.slice(a), o.v.slice(a), o.q.slice(a), false);
            const seq = rt.hotSeq;
            this.stmts.hotAdd!.run(rt.pid, seq, o.t[a], o.t[end - 1], end - a, blob);
            commit.push(() => {
              rt.hotSeq = seq + 1;
              rt.flushedN = end;
            });
          }
          const rd = rollDaysOf(rt);
          const closed = rt.closed.length;
          const loose = rt.loose.slice();
          const looseMonth = rt.looseMonth.slice();
          for (const [l, b] of rt.closed) {
            this.aggUpsert(this.partition('agg', rd, b.b)).run(...aggParams(rt.pid, l, b));
            loose[l] = (loose[l] as number) + 1;
            if (Number.isNaN(looseMonth[l])) looseMonth[l] = monthKey(b.b).start;
          }
          for (let l = 0; l < rt.accs.length; l++) {
            const cur = (rt.accs[l] as RollupAcc).cur;
            if (rt.curDirty[l] && cur) this.aggUpsert(this.partition('agg', rd, cur.b)).run(...aggParams(rt.pid, l, cur));
            // pack the closed loose buckets: every PACK_AFTER of them, and when the month changed
            if (cur && (loose[l] as number) > 0 && ((loose[l] as number) >= (PACK_AFTER[l] as number) || looseMonth[l] !== monthKey(cur.b).start)) {
              this.pack(rt.pid, l, rd, cur.b, looseMonth[l] as number);
              loose[l] = 0;
              looseMonth[l] = Number.NaN;
            }
          }
          commit.push(() => {
            rt.closed = rt.closed.slice(closed);
            rt.curDirty.fill(false);
            rt.dirty = false;
            rt.loose = loose;
            rt.looseMonth = looseMonth;
          });
        }
      })();
    } catch (e) {
      // tables created in the rolled-back transaction do not exist
      for (const name of this.createdParts) {
        this.partitions.delete(name);
        this.rawStmts.delete(name);
        this.aggStmts.delete(name);
      }
      this.createdParts = undefined;
      throw e;
    }
    this.createdParts = undefined;
    for (const c of commit) c();
    this.dirty.clear();
    this.buffered = 0;
    this.lastFlush = now;
    this.s.flushes++;
    this.s.lastFlushMs = performance.now() - t0;
  }

  // ------------------------------------------------------------------ plans and forecasts

  writeForecast(w: ForecastWrite): void {
    const add = this.stmts.fcAdd!;
    this.conn.transaction(() => {
      for (const p of w.points) add.run(w.series, p.ts, w.issuedAt, w.kind, p.value);
    })();
  }

  queryForecast(q: ForecastQuery): Promise<ForecastSeries[]> {
    if (this.pool) return this.pool.forecast(q);
    return Promise.resolve().then(() => runForecastQuery(this.reader as Reader, q, this.limits));
  }

  // ------------------------------------------------------------------ queries and export

  /** Trend query, in a worker. Flushes first so everything recorded so far is visible. */
  query(q: TrendQuery): Promise<TrendResult> {
    this.tryFlush();
    if (this.pool) return this.pool.query(q);
    return Promise.resolve().then(() => runQuery(this.reader as Reader, q, this.limits));
  }

  /** Throws ApiError('too-large') when an export would write more rows than the limit. */
  checkExport(req: ExportRequest): void {
    checkExport(req, rawEstimator(this.reader as Reader, req.from, req.to), this.limits);
  }

  /** CSV text pieces of an export (streamed from a worker, with back-pressure). */
  async *exportCsv(req: ExportRequest, opts: { signal?: AbortSignal; onProgress?: (p: ExportProgress) => void } = {}): AsyncGenerator<string> {
    this.checkExport(req);
    this.tryFlush();
    if (this.pool) {
      yield* this.pool.exportCsv(req, opts);
      return;
    }
    for (const piece of csvPieces(this.reader as Reader, req, opts.onProgress)) {
      if (opts.signal?.aborted) throw new Error('export cancelled');
      yield piece;
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Export to a file; on cancel or error the partial file is removed. */
  async exportCsvToFile(req: ExportRequest, path: string, opts: { signal?: AbortSignal; onProgress?: (p: ExportProgress) => void } = {}): Promise<ExportProgress> {
    let last: ExportProgress = { rows: 0, totalRows: 0, bytes: 0, fraction: 0, done: false };
    this.checkExport(req);
    const out = createWriteStream(path, { encoding: 'utf8', mode: 0o600 });
    try {
      for await (const piece of this.exportCsv(req, { ...opts, onProgress: (p) => ((last = p), opts.onProgress?.(p)) })) {
        if (!out.write(piece)) await once(out, 'drain');
      }
      out.end();
      await once(out, 'finish');
      return last;
    } catch (e) {
      out.destroy();
      rmSync(path, { force: true });
      throw e;
    }
  }

  // ------------------------------------------------------------------ retention and backup

  /** Drops whole partitions older than their retention; prunes forecasts. */
  enforceRetention(now = this.now()): { dropped: string[] } {
    const db = this.conn;
    const parts = db.prepare('SELECT name, kind, days, start, end FROM partitions').all() as PartitionRow[];
    const dropped: string[] = [];
    db.transaction(() => {
      for (const p of parts) {
        if (p.end + p.days * DAY_MS <= now) {
          db.exec(`DROP TABLE IF EXISTS ${p.name}`);
          if (p.kind === 'agg') db.exec(`DROP TABLE IF EXISTS ${packedTable(p.name)}`);
          db.prepare('DELETE FROM partitions WHERE name = ?').run(p.name);
          this.partitions.delete(p.name);
          this.rawStmts.delete(p.name);
          this.aggStmts.delete(p.name);
          dropped.push(p.name);
        }
      }
      this.stmts.fcPrune!.run(now - this.config.forecastRetentionDays * DAY_MS);
    })();
    if (dropped.length > 0) db.pragma('incremental_vacuum');
    return { dropped };
  }

  /**
   * Online backup (better-sqlite3 backup API: copies pages in steps between event-loop turns,
   * writers keep going). Default destination: <backup dir>/historian-<UTC time>.db.
   */
  async backup(dest?: string, scheduled = false): Promise<BackupInfo> {
    const db = this.conn;
    this.tryFlush();
    const dir = this.config.backup.dir ?? join(this.dataDir, 'backups');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const startedAt = this.now();
    const path = dest ?? join(dir, `historian-${new Date(startedAt).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.db`);
    const t0 = performance.now();
    await db.backup(path);
    chmodSync(path, 0o600);
    if (scheduled) {
      const files = readdirSync(dir)
        .filter((f) => /^historian-\d{8}T\d{6}Z\.db$/.test(f))
        .sort();
      for (const f of files.slice(0, Math.max(0, files.length - this.config.backup.keep))) rmSync(join(dir, f), { force: true });
    }
    return { path, bytes: statSync(path).size, startedAt, elapsedMs: performance.now() - t0 };
  }

  /** Restores a backup into a data directory. The historian on that directory must be closed. */
  static restore(backupFile: string, dataDir: string): void {
    if (!existsSync(backupFile)) throw new Error(`no backup at ${backupFile}`);
    mkdirSync(dataDir, { recursive: true });
    const target = join(dataDir, 'historian.db');
    for (const f of [target, `${target}-wal`, `${target}-shm`]) rmSync(f, { force: true });
    copyFileSync(backupFile, target);
  }
}
