/**
 * Alarm journal in SQLite (better-sqlite3, WAL). `append` only queues; the queue is written in
 * transactions of at most `chunkRows` rows, one per event-loop turn (setImmediate), so a flood of
 * 10,000 alarms never blocks the process that serves the UI for long, and nothing is dropped:
 * `flush()` (called by every query and by `close()`) writes whatever is still queued.
 */
import Database from 'better-sqlite3';
import type { AlarmHistoryQuery, AlarmJournalEntry, AlarmJournalEvent, AlarmPriority, AlarmState } from '../common/alarms';
import type { PointValue } from '../common/point';
import { DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT, type AlarmJournal, type JournalStats } from './journal';

export interface SqliteAlarmJournalOptions {
  /** file path, or ':memory:' */
  path: string;
  /** rows per write transaction (and per event-loop turn); default 2000 */
  chunkRows?: number;
  /** 'immediate': write on the next event-loop turn (default); 'manual': only on flush() */
  autoFlush?: 'immediate' | 'manual';
}

interface Row {
  seq: number;
  ts: number;
  alarm_id: string;
  event: string;
  from_state: string | null;
  to_state: string | null;
  priority: string;
  class: string;
  asset: string | null;
  user: string | null;
  impersonator: string | null;
  message: string;
  value: string | null;
  text: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS alarm_journal (
  seq INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  alarm_id TEXT NOT NULL,
  event TEXT NOT NULL,
  from_state TEXT,
  to_state TEXT,
  priority TEXT NOT NULL,
  class TEXT NOT NULL,
  asset TEXT,
  user TEXT,
  impersonator TEXT,
  message TEXT NOT NULL,
  value TEXT,
  text TEXT
);
CREATE INDEX IF NOT EXISTS alarm_journal_ts ON alarm_journal (ts);
CREATE INDEX IF NOT EXISTS alarm_journal_alarm ON alarm_journal (alarm_id, ts);
CREATE INDEX IF NOT EXISTS alarm_journal_asset ON alarm_journal (asset, ts);
`;

/** values keep their type through the journal: JSON text */
function encodeValue(v: PointValue | undefined): string | null {
  return v === undefined ? null : JSON.stringify(v);
}
function decodeValue(s: string | null): PointValue | undefined {
  if (s === null) return undefined;
  try {
    return JSON.parse(s) as PointValue;
  } catch {
    return s;
  }
}

function fromRow(r: Row): AlarmJournalEntry {
  const e: AlarmJournalEntry = {
    seq: r.seq,
    ts: r.ts,
    alarmId: r.alarm_id,
    event: r.event as AlarmJournalEvent,
    priority: r.priority as AlarmPriority,
    class: r.class,
    message: r.message,
  };
  if (r.from_state !== null) e.from = r.from_state as AlarmState;
  if (r.to_state !== null) e.to = r.to_state as AlarmState;
  if (r.asset !== null) e.asset = r.asset;
  if (r.user !== null) e.user = r.user;
  if (r.impersonator !== null && r.impersonator !== undefined) e.impersonator = r.impersonator;
  const v = decodeValue(r.value);
  if (v !== undefined) e.value = v;
  if (r.text !== null) e.text = r.text;
  return e;
}

function where(q: Omit<AlarmHistoryQuery, 'limit'>): { sql: string; params: unknown[] } {
  const c: string[] = [];
  const p: unknown[] = [];
  const inList = (col: string, xs: readonly string[] | undefined) => {
    if (!xs || xs.length === 0) return;
    c.push(`${col} IN (${xs.map(() => '?').join(',')})`);
    p.push(...xs);
  };
  if (q.from !== undefined) {
    c.push('ts >= ?');
    p.push(q.from);
  }
  if (q.to !== undefined) {
    c.push('ts <= ?');
    p.push(q.to);
  }
  if (q.before !== undefined) {
    c.push('seq < ?');
    p.push(q.before);
  }
  inList('alarm_id', q.alarmIds);
  inList('priority', q.priorities);
  inList('asset', q.assets);
  inList('to_state', q.states);
  inList('event', q.events);
  if (q.text) {
    const like = `%${q.text.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    c.push(
      "(alarm_id LIKE ? ESCAPE '\\' OR message LIKE ? ESCAPE '\\' OR user LIKE ? ESCAPE '\\' OR text LIKE ? ESCAPE '\\')",
    );
    p.push(like, like, like, like);
  }
  return { sql: c.length ? `WHERE ${c.join(' AND ')}` : '', params: p };
}

export class SqliteAlarmJournal implements AlarmJournal {
  private readonly db: Database.Database;
  private readonly insertMany: (rows: readonly AlarmJournalEntry[]) => void;
  private readonly queue: AlarmJournalEntry[] = [];
  private head = 0;
  private seq: number;
  private scheduled: NodeJS.Immediate | undefined;
  private readonly chunkRows: number;
  private readonly auto: boolean;
  private closed = false;
  private s: JournalStats = { appended: 0, written: 0, pending: 0, flushes: 0, lastFlushMs: 0, maxFlushMs: 0, totalFlushMs: 0 };

  constructor(opts: SqliteAlarmJournalOptions) {
    this.db = new Database(opts.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    // journals written before the impersonator column get it (empty for their old rows)
    const cols = this.db.prepare('PRAGMA table_info(alarm_journal)').all() as Array<{ name: string }>;
    if (!cols.some((c) => c.name === 'impersonator')) this.db.exec('ALTER TABLE alarm_journal ADD COLUMN impersonator TEXT');
    this.chunkRows = Math.max(1, opts.chunkRows ?? 2000);
    this.auto = (opts.autoFlush ?? 'immediate') === 'immediate';
    const max = this.db.prepare('SELECT MAX(seq) AS m FROM alarm_journal').get() as { m: number | null };
    this.seq = max.m ?? 0;
    this.s.written = (this.db.prepare('SELECT COUNT(*) AS n FROM alarm_journal').get() as { n: number }).n;
    const ins = this.db.prepare(
      `INSERT INTO alarm_journal (seq, ts, alarm_id, event, from_state, to_state, priority, class, asset, user, impersonator, message, value, text)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertMany = this.db.transaction((rows: readonly AlarmJournalEntry[]) => {
      for (const e of rows)
        ins.run(
          e.seq,
          e.ts,
          e.alarmId,
          e.event,
          e.from ?? null,
          e.to ?? null,
          e.priority,
          e.class,
          e.asset ?? null,
          e.user ?? null,
          e.impersonator ?? null,
          e.message,
          encodeValue(e.value),
          e.text ?? null,
        );
    });
  }

  append(entries: readonly AlarmJournalEntry[]): void {
    if (this.closed) throw new Error('alarm journal is closed');
    for (const e of entries) {
      e.seq = ++this.seq;
      this.queue.push(e);
    }
    this.s.appended += entries.length;
    if (this.auto && !this.scheduled && this.queue.length > this.head) this.schedule();
  }

  private schedule(): void {
    this.scheduled = setImmediate(() => {
      this.scheduled = undefined;
      this.writeChunk(this.chunkRows);
      if (this.queue.length > this.head) this.schedule();
    });
  }

  /** writes up to n queued rows in one transaction */
  private writeChunk(n: number): void {
    const end = Math.min(this.queue.length, this.head + n);
    if (end <= this.head) return;
    const rows = this.queue.slice(this.head, end);
    const t0 = performance.now();
    this.insertMany(rows);
    const ms = performance.now() - t0;
    this.head = end;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > 50_000) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.s.written += rows.length;
    this.s.flushes++;
    this.s.lastFlushMs = ms;
    this.s.totalFlushMs += ms;
    if (ms > this.s.maxFlushMs) this.s.maxFlushMs = ms;
  }

  flush(): void {
    while (this.queue.length > this.head) this.writeChunk(this.chunkRows);
  }

  query(q: AlarmHistoryQuery): { entries: AlarmJournalEntry[]; next?: number } {
    this.flush();
    const limit = Math.min(q.limit ?? DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT);
    const w = where(q);
    const rows = this.db
      .prepare(`SELECT * FROM alarm_journal ${w.sql} ORDER BY seq DESC LIMIT ?`)
      .all(...w.params, limit + 1) as Row[];
    const more = rows.length > limit;
    if (more) rows.pop();
    const entries = rows.map(fromRow);
    const last = entries[entries.length - 1];
    return more && last ? { entries, next: last.seq } : { entries };
  }

  *iterate(q: Omit<AlarmHistoryQuery, 'limit' | 'before'>): Iterable<AlarmJournalEntry> {
    this.flush();
    const w = where(q);
    const stmt = this.db.prepare(`SELECT * FROM alarm_journal ${w.sql} ORDER BY seq ASC`);
    for (const r of stmt.iterate(...w.params)) yield fromRow(r as Row);
  }

  count(q: Omit<AlarmHistoryQuery, 'limit' | 'before'> = {}): number {
    this.flush();
    const w = where(q);
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM alarm_journal ${w.sql}`).get(...w.params) as { n: number }).n;
  }

  /** deletes entries older than `ts` (retention); returns how many */
  prune(beforeTs: number): number {
    this.flush();
    return this.db.prepare('DELETE FROM alarm_journal WHERE ts < ?').run(beforeTs).changes;
  }

  stats(): JournalStats {
    return { ...this.s, pending: this.queue.length - this.head };
  }

  close(): void {
    if (this.closed) return;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.flush();
    this.closed = true;
    this.db.close();
  }
}
