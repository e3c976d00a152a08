/**
 * The alarm journal: every transition, operator action, procedure step and flood episode, in
 * order. `append` must be cheap and never lose an entry; implementations batch the writes.
 */
import type { AlarmHistoryQuery, AlarmJournalEntry } from '../common/alarms';

export interface JournalStats {
  /** entries accepted by append() */
  appended: number;
  /** entries on disk (or in memory) */
  written: number;
  /** accepted but not written yet */
  pending: number;
  /** write transactions so far */
  flushes: number;
  /** duration of the last and of the longest single write transaction, ms (main-thread time) */
  lastFlushMs: number;
  maxFlushMs: number;
  /** sum of all write transactions, ms */
  totalFlushMs: number;
}

export interface AlarmJournal {
  /** queues entries for writing; assigns `seq` */
  append(entries: readonly AlarmJournalEntry[]): void;
  /** writes everything pending now */
  flush(): void;
  /** newest first */
  query(q: AlarmHistoryQuery): { entries: AlarmJournalEntry[]; next?: number };
  /** oldest first, unbounded (KPIs, export); flushes first */
  iterate(q: Omit<AlarmHistoryQuery, 'limit' | 'before'>): Iterable<AlarmJournalEntry>;
  count(q?: Omit<AlarmHistoryQuery, 'limit' | 'before'>): number;
  stats(): JournalStats;
  close(): void;
}

export const DEFAULT_QUERY_LIMIT = 500;
export const MAX_QUERY_LIMIT = 10_000;

/** The filter of a query as a predicate (memory journal, tests). */
export function matches(e: AlarmJournalEntry, q: Omit<AlarmHistoryQuery, 'limit'>): boolean {
  if (q.from !== undefined && e.ts < q.from) return false;
  if (q.to !== undefined && e.ts > q.to) return false;
  if (q.before !== undefined && (e.seq ?? 0) >= q.before) return false;
  if (q.alarmIds && q.alarmIds.length > 0 && !q.alarmIds.includes(e.alarmId)) return false;
  if (q.priorities && q.priorities.length > 0 && !q.priorities.includes(e.priority)) return false;
  if (q.assets && q.assets.length > 0 && (e.asset === undefined || !q.assets.includes(e.asset))) return false;
  if (q.states && q.states.length > 0 && (e.to === undefined || !q.states.includes(e.to))) return false;
  if (q.events && q.events.length > 0 && !q.events.includes(e.event)) return false;
  if (q.text) {
    const t = q.text.toLowerCase();
    const hay = [e.alarmId, e.message, e.user ?? '', e.text ?? ''].join('\u0000').toLowerCase();
    if (!hay.includes(t)) return false;
  }
  return true;
}

/** In-memory journal: tests, benchmarks, and a host without a data directory. */
export class MemoryAlarmJournal implements AlarmJournal {
  private readonly rows: AlarmJournalEntry[] = [];
  private seq = 0;
  private appended = 0;

  append(entries: readonly AlarmJournalEntry[]): void {
    for (const e of entries) this.rows.push({ ...e, seq: ++this.seq });
    this.appended += entries.length;
  }
  flush(): void {}
  query(q: AlarmHistoryQuery): { entries: AlarmJournalEntry[]; next?: number } {
    const limit = Math.min(q.limit ?? DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT);
    const out: AlarmJournalEntry[] = [];
    for (let i = this.rows.length - 1; i >= 0 && out.length < limit + 1; i--) {
      const r = this.rows[i] as AlarmJournalEntry;
      if (matches(r, q)) out.push(r);
    }
    const more = out.length > limit;
    if (more) out.pop();
    const last = out[out.length - 1];
    return more && last ? { entries: out, next: last.seq } : { entries: out };
  }
  *iterate(q: Omit<AlarmHistoryQuery, 'limit' | 'before'>): Iterable<AlarmJournalEntry> {
    for (const r of this.rows) if (matches(r, q)) yield r;
  }
  count(q: Omit<AlarmHistoryQuery, 'limit' | 'before'> = {}): number {
    let n = 0;
    for (const r of this.rows) if (matches(r, q)) n++;
    return n;
  }
  stats(): JournalStats {
    return {
      appended: this.appended,
      written: this.rows.length,
      pending: 0,
      flushes: 0,
      lastFlushMs: 0,
      maxFlushMs: 0,
      totalFlushMs: 0,
    };
  }
  close(): void {}
}

// ---------------------------------------------------------------- CSV

export const CSV_COLUMNS = [
  'seq',
  'time',
  'alarm',
  'event',
  'from',
  'to',
  'priority',
  'class',
  'asset',
  'user',
  'impersonator',
  'message',
  'value',
  'text',
] as const;

/** RFC 4180 quoting, and a leading ' for cells a spreadsheet would run as a formula. */
export function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  let s = typeof v === 'string' ? v : String(v);
  if (/^[=+\-@\t\r]/.test(s) && typeof v === 'string') s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(e: AlarmJournalEntry): string {
  return [
    e.seq,
    new Date(e.ts).toISOString(),
    e.alarmId,
    e.event,
    e.from,
    e.to,
    e.priority,
    e.class,
    e.asset,
    e.user,
    e.impersonator,
    e.message,
    e.value,
    e.text,
  ]
    .map(csvCell)
    .join(',');
}

/** CSV with a header row, oldest first, CRLF line ends. */
export function toCsv(entries: Iterable<AlarmJournalEntry>): { csv: string; rows: number } {
  const lines: string[] = [CSV_COLUMNS.join(',')];
  let rows = 0;
  for (const e of entries) {
    lines.push(csvRow(e));
    rows++;
  }
  return { csv: lines.join('\r\n') + '\r\n', rows };
}
