/**
 * The audit log (users.03): every action, who, when, from which workstation, why. Entries are
 * hash-chained: hash = SHA-256(prevHash + canonicalJson(entry)), so editing or deleting an
 * entry breaks the chain at that entry and `verify()` names it. With an anchor key (from the
 * KeyProvider) the head of the chain is also HMAC-anchored, so cutting off the newest entries
 * is detected too; and with a head store (a sealed record outside the database, next to the
 * key) the head is also kept as a monotonic counter, so cutting the tail and restoring an old
 * anchor row, or wiping everything, is detected as well. The head is checked against the
 * counter and the anchor at start-up, before each append and by verify(); a mismatch is
 * recorded in the counter as a lasting break (never re-anchored silently), written to the log
 * as an `audit.tamper` entry and reported through `onTamper` (the host raises an alarm).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { AuditEntry, AuditEntryInput, AuditFilter, AuditOutcome, AuditVerifyResult } from '../common/security';
import { canonicalJson } from './canonical';
import { csvRow } from './csv';

export const GENESIS_HASH = '0'.repeat(64);
/** the head counter outside the database is rewritten at most this often (ms) */
const HEAD_WRITE_MS = 50;
const DEFAULT_LIMIT = 500;
const MAX_LIMIT = 10_000;

export interface AuditHead {
  seq: number;
  hash: string;
}

/** The head counter kept outside the database; `broken` once a cut was detected (lasting). */
export interface AuditHeadRecord extends AuditHead {
  broken?: { at: number; message: string };
}

/** Where the head counter lives (core/security SealedRecordFile); `read` throws if forged. */
export interface AuditHeadStore {
  read(): AuditHeadRecord | undefined;
  write(r: AuditHeadRecord): void;
}

export interface AuditLogOptions {
  now?: () => number;
  /** key for the HMAC anchor of the chain's head (32 bytes from the KeyProvider) */
  anchorKey?: Buffer;
  /** the monotonic head counter outside the database */
  headStore?: AuditHeadStore;
  /** called (asynchronously) with a sentence when the log was found cut or altered */
  onTamper?: (message: string) => void;
}

/** What a caller may see: 'all', or its sites plus its own site-less entries. */
export interface AuditScope {
  sites: 'all' | readonly string[];
  /** user name whose own site-less entries (sign-ins, password changes) are visible */
  self?: string;
}

interface Row {
  seq: number;
  ts: number;
  type: string;
  actor: string;
  impersonator: string | null;
  workstation: string | null;
  site_id: string | null;
  asset_id: string | null;
  target: string | null;
  outcome: string;
  reason: string | null;
  rule: string | null;
  before_json: string | null;
  after_json: string | null;
  details_json: string | null;
  prev_hash: string;
  hash: string;
}

type Hashed = Omit<AuditEntry, 'prevHash' | 'hash'>;

/** The fields the hash covers, in canonical form. */
export function entryHash(prevHash: string, e: Hashed): string {
  const body = canonicalJson({
    seq: e.seq,
    ts: e.ts,
    type: e.type,
    actor: e.actor,
    impersonator: e.impersonator,
    workstation: e.workstation,
    siteId: e.siteId,
    assetId: e.assetId,
    target: e.target,
    outcome: e.outcome,
    reason: e.reason,
    rule: e.rule,
    before: e.before,
    after: e.after,
    details: e.details,
  });
  return createHash('sha256').update(prevHash).update(body).digest('hex');
}

const json = (v: unknown): string | null => (v === undefined ? null : canonicalJson(v));
const unjson = (s: string | null): unknown => (s === null ? null : JSON.parse(s));

function fromRow(r: Row): AuditEntry {
  return {
    seq: r.seq,
    ts: r.ts,
    type: r.type,
    actor: r.actor,
    impersonator: r.impersonator,
    workstation: r.workstation,
    siteId: r.site_id,
    assetId: r.asset_id,
    target: r.target,
    outcome: r.outcome as AuditOutcome,
    reason: r.reason,
    rule: r.rule,
    before: unjson(r.before_json),
    after: unjson(r.after_json),
    details: unjson(r.details_json),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export class AuditLog {
  private readonly now: () => number;
  private readonly anchorKey: Buffer | undefined;
  private readonly insert: Database.Statement;
  private readonly last: Database.Statement;
  private readonly anchor: Database.Statement;
  private readonly appendTx: (input: AuditEntryInput) => AuditEntry;
  private readonly headStore: AuditHeadStore | undefined;
  /** the head as this process last wrote or checked it (with a head store) */
  private expected: AuditHead | undefined;
  /** the lasting break, once detected */
  private broken: { at: number; message: string } | undefined;
  private readonly tamperListeners = new Set<(message: string) => void>();
  private headTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Database.Database,
    opts: AuditLogOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.anchorKey = opts.anchorKey;
    this.headStore = opts.headStore;
    if (opts.onTamper) this.tamperListeners.add(opts.onTamper);
    this.insert = db.prepare(`INSERT INTO audit
      (seq, ts, type, actor, impersonator, workstation, site_id, asset_id, target, outcome, reason, rule,
       before_json, after_json, details_json, prev_hash, hash)
      VALUES (@seq, @ts, @type, @actor, @impersonator, @workstation, @site_id, @asset_id, @target, @outcome, @reason, @rule,
       @before_json, @after_json, @details_json, @prev_hash, @hash)`);
    this.last = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
    this.anchor = db.prepare(
      'INSERT INTO audit_anchor (id, seq, hash, mac) VALUES (1, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac',
    );
    const insertOne = (input: AuditEntryInput): AuditEntry => {
      const prev = this.last.get() as { seq: number; hash: string } | undefined;
      const seq = (prev?.seq ?? 0) + 1;
      const prevHash = prev?.hash ?? GENESIS_HASH;
      // store exactly what is hashed: canonical JSON, re-read as the same value
      const before_json = json(input.before);
      const after_json = json(input.after);
      const details_json = json(input.details);
      const e: Hashed = {
        seq,
        ts: this.now(),
        type: input.type,
        actor: input.actor,
        impersonator: input.impersonator ?? null,
        workstation: input.workstation ?? null,
        siteId: input.siteId ?? null,
        assetId: input.assetId ?? null,
        target: input.target ?? null,
        outcome: input.outcome,
        reason: input.reason ?? null,
        rule: input.rule ?? null,
        before: unjson(before_json),
        after: unjson(after_json),
        details: unjson(details_json),
      };
      const hash = entryHash(prevHash, e);
      this.insert.run({
        seq,
        ts: e.ts,
        type: e.type,
        actor: e.actor,
        impersonator: e.impersonator,
        workstation: e.workstation,
        site_id: e.siteId,
        asset_id: e.assetId,
        target: e.target,
        outcome: e.outcome,
        reason: e.reason,
        rule: e.rule,
        before_json,
        after_json,
        details_json,
        prev_hash: prevHash,
        hash,
      });
      if (this.anchorKey) this.anchor.run(seq, hash, this.mac(seq, hash));
      return { ...e, prevHash, hash };
    };
    const tx = db.transaction((input: AuditEntryInput): { entry: AuditEntry; tamper?: string } => {
      // before each append: is the head still the one this process left? (someone with the
      // file may have cut the tail while we ran)
      let tamper: string | undefined;
      if (this.expected && !this.broken) {
        const now = (this.last.get() as AuditHead | undefined) ?? { seq: 0, hash: GENESIS_HASH };
        tamper = this.headMismatch(this.expected, now) ?? undefined;
        if (tamper) insertOne({ type: 'audit.tamper', actor: 'system:audit', outcome: 'failed', rule: 'audit.head-mismatch', details: { message: tamper, expected: this.expected, found: now } });
      }
      return { entry: insertOne(input), ...(tamper ? { tamper } : {}) };
    });
    this.appendTx = (input) => {
      const r = tx.immediate(input);
      if (r.tamper) this.markBroken(r.tamper);
      if (this.headStore) {
        this.expected = { seq: r.entry.seq, hash: r.entry.hash };
        this.scheduleHeadWrite();
      }
      return r.entry;
    };
    if (this.headStore) this.checkAtStart();
  }

  /**
   * The counter file is rewritten (fsync) at most every HEAD_WRITE_MS, not per append: a burst
   * of appends costs one file write. Entries newer than the counter are still linked to it,
   * so a crash in between is not a cut (see headMismatch); flushHead() writes at once.
   */
  private scheduleHeadWrite(): void {
    if (this.headTimer) return;
    this.headTimer = setTimeout(() => this.flushHead(), HEAD_WRITE_MS);
    this.headTimer.unref?.();
  }

  /** Writes the head counter now (on close, and in tests). */
  flushHead(): void {
    if (this.headTimer) clearTimeout(this.headTimer);
    this.headTimer = undefined;
    if (this.headStore && this.expected) this.headStore.write({ ...this.expected, ...(this.broken ? { broken: this.broken } : {}) });
  }

  /** Listens for a detected cut or alteration (the host raises an alarm). */
  onTamper(fn: (message: string) => void): () => void {
    this.tamperListeners.add(fn);
    return () => this.tamperListeners.delete(fn);
  }

  /** The lasting break found at start-up, before an append or by verify, if any. */
  tamperState(): { at: number; message: string } | undefined {
    return this.broken;
  }

  private notify(message: string): void {
    for (const fn of this.tamperListeners)
      queueMicrotask(() => {
        try {
          fn(message);
        } catch (e) {
          console.error('audit: tamper listener failed:', e);
        }
      });
  }

  /** Records a lasting break in the counter (never re-anchored silently) and reports it. */
  private markBroken(message: string): void {
    if (this.broken) return;
    this.broken = { at: this.now(), message };
    if (this.headStore) {
      if (this.headTimer) clearTimeout(this.headTimer);
      this.headTimer = undefined;
      const h = this.expected ?? this.head();
      this.headStore.write({ seq: h.seq, hash: h.hash, broken: this.broken });
    }
    this.notify(message);
  }

  /** Why `found` is not a continuation of `expected`, or null when it is. */
  private headMismatch(expected: AuditHead, found: AuditHead): string | null {
    if (found.seq === expected.seq) return found.hash === expected.hash ? null : `audit entry ${found.seq} is not the one last written (the end of the log was replaced)`;
    if (found.seq < expected.seq)
      return found.seq === 0
        ? `the audit log is empty, but ${expected.seq} entries were written (the head counter outside the database records entry ${expected.seq})`
        : `audit entries ${found.seq + 1}..${expected.seq} were removed from the end of the log (the head counter outside the database records entry ${expected.seq})`;
    // longer: it must extend the recorded head (e.g. a crash between the write and the counter)
    if (expected.seq === 0) return null;
    const row = this.db.prepare('SELECT hash FROM audit WHERE seq = ?').get(expected.seq) as { hash: string } | undefined;
    return row?.hash === expected.hash ? null : `audit entry ${expected.seq} is not the one last written (the end of the log was replaced)`;
  }

  /** The anchor row against the last row (HMAC, seq, hash), or null when it matches. */
  private anchorProblem(h: AuditHead): string | null {
    if (!this.anchorKey) return null;
    const a = this.db.prepare('SELECT seq, hash, mac FROM audit_anchor WHERE id = 1').get() as { seq: number; hash: string; mac: string } | undefined;
    if (!a) return h.seq > 0 ? 'the audit anchor is missing' : null;
    const macOk = a.mac.length === 64 && timingSafeEqual(Buffer.from(a.mac, 'hex'), Buffer.from(this.mac(a.seq, a.hash), 'hex'));
    if (!macOk) return 'the audit anchor was forged';
    if (a.seq > h.seq) return h.seq === 0 ? `the audit log is empty, but the anchor records entry ${a.seq}` : `audit entries ${h.seq + 1}..${a.seq} were removed from the end of the log`;
    if (a.seq < h.seq || a.hash !== h.hash) return `the audit head (entry ${h.seq}) does not match the anchor (entry ${a.seq})`;
    return null;
  }

  /** Start-up: the head against the counter outside the database and the anchor. */
  private checkAtStart(): void {
    const store = this.headStore as AuditHeadStore;
    const db = this.head();
    let rec: AuditHeadRecord | undefined;
    try {
      rec = store.read();
    } catch (e) {
      this.expected = db;
      this.markBroken(`the audit head counter outside the database cannot be read: ${(e as Error).message}`);
      this.append({ type: 'audit.tamper', actor: 'system:audit', outcome: 'failed', rule: 'audit.head-counter', details: { message: this.broken?.message } });
      return;
    }
    if (rec?.broken) {
      this.broken = rec.broken;
      this.expected = { seq: rec.seq, hash: rec.hash };
      this.notify(rec.broken.message);
      return;
    }
    const problem = (rec ? this.headMismatch(rec, db) : null) ?? this.anchorProblem(db);
    if (problem) {
      this.expected = rec ? { seq: rec.seq, hash: rec.hash } : db;
      this.markBroken(problem);
      this.append({ type: 'audit.tamper', actor: 'system:audit', outcome: 'failed', rule: 'audit.head-mismatch', details: { message: problem, expected: rec ?? null, found: db } });
      return;
    }
    this.expected = db;
    if (!rec) {
      store.write(db);
      // a log that existed before its counter (an upgrade, or the counter file was removed):
      // say so in the log, since cuts before this point are visible to the anchor only
      if (db.seq > 0)
        this.append({ type: 'audit.head-counter', actor: 'system:audit', outcome: 'info', details: { startedAt: db.seq, message: `the head counter outside the database was created at entry ${db.seq}` } });
    } else if (db.seq > rec.seq) store.write(db);
  }

  private mac(seq: number, hash: string): string {
    return createHmac('sha256', this.anchorKey!).update(`${seq}:${hash}`).digest('hex');
  }

  /** Appends one entry atomically and returns it with its hash. Throws if the write fails. */
  append(input: AuditEntryInput): AuditEntry {
    return this.appendTx(input);
  }

  head(): { seq: number; hash: string } {
    const h = this.last.get() as { seq: number; hash: string } | undefined;
    return h ?? { seq: 0, hash: GENESIS_HASH };
  }

  /**
   * Recomputes the whole chain and checks its head against the anchor and the counter outside
   * the database; on failure names the first bad entry and reports it (onTamper). A cut tail
   * is recorded as a lasting break.
   */
  verify(): AuditVerifyResult {
    const r = this.verifyChain();
    if (!r.ok) {
      if (r.firstBad.problem === 'anchor-mismatch') this.markBroken(r.message);
      else this.notify(r.message);
    }
    return r;
  }

  private verifyChain(): AuditVerifyResult {
    let prevHash = GENESIS_HASH;
    let expectedSeq = 1;
    let count = 0;
    const rows = this.db.prepare('SELECT * FROM audit ORDER BY seq').iterate() as IterableIterator<Row>;
    for (const r of rows) {
      const bad = (problem: 'hash-mismatch' | 'prev-hash-mismatch' | 'sequence-gap', message: string): AuditVerifyResult => {
        rows.return?.();
        return { ok: false, count, firstBad: { seq: r.seq, problem }, message };
      };
      if (r.seq !== expectedSeq)
        return bad('sequence-gap', `audit entry ${expectedSeq}${r.seq > expectedSeq + 1 ? `..${r.seq - 1}` : ''} is missing (found ${r.seq} after ${expectedSeq - 1})`);
      if (r.prev_hash !== prevHash)
        return bad('prev-hash-mismatch', `audit entry ${r.seq} does not link to entry ${r.seq - 1} (an entry before it was changed or removed)`);
      let e: AuditEntry;
      try {
        e = fromRow(r);
      } catch {
        return bad('hash-mismatch', `audit entry ${r.seq} is corrupt (unreadable JSON)`);
      }
      if (entryHash(prevHash, e) !== r.hash) return bad('hash-mismatch', `audit entry ${r.seq} was modified (its hash does not match its content)`);
      prevHash = r.hash;
      expectedSeq++;
      count++;
    }
    if (this.anchorKey) {
      const a = this.db.prepare('SELECT seq, hash, mac FROM audit_anchor WHERE id = 1').get() as
        | { seq: number; hash: string; mac: string }
        | undefined;
      const lastSeq = expectedSeq - 1;
      if (count > 0 || a) {
        const macOk =
          a !== undefined && a.mac.length === 64 && timingSafeEqual(Buffer.from(a.mac, 'hex'), Buffer.from(this.mac(a.seq, a.hash), 'hex'));
        if (!a || !macOk)
          return { ok: false, count, firstBad: { seq: lastSeq, problem: 'anchor-mismatch' }, message: 'the audit anchor is missing or was forged' };
        if (a.seq !== lastSeq || a.hash !== prevHash)
          return {
            ok: false,
            count,
            firstBad: { seq: Math.min(a.seq, lastSeq + 1), problem: 'anchor-mismatch' },
            message:
              a.seq > lastSeq
                ? `audit entries ${lastSeq + 1}..${a.seq} were removed from the end of the log`
                : `the audit head (entry ${lastSeq}) does not match the anchor (entry ${a.seq})`,
          };
      }
    }
    const lastSeq = expectedSeq - 1;
    const fail = (message: string): AuditVerifyResult => ({ ok: false, count, firstBad: { seq: lastSeq, problem: 'anchor-mismatch' }, message });
    if (this.headStore) {
      if (this.broken) return fail(this.broken.message);
      let rec: AuditHeadRecord | undefined;
      try {
        rec = this.headStore.read();
      } catch (e) {
        return fail(`the audit head counter outside the database cannot be read: ${(e as Error).message}`);
      }
      if (rec?.broken) return fail(rec.broken.message);
      const m = rec ? this.headMismatch(rec, { seq: lastSeq, hash: prevHash }) : null;
      if (m) return fail(m);
    }
    return { ok: true, count, headSeq: lastSeq, headHash: prevHash };
  }

  /** Newest first. `scope` restricts to the caller's sites (tenant isolation). */
  query(filter: AuditFilter = {}, scope: AuditScope = { sites: 'all' }): AuditEntry[] {
    const { sql, params } = this.where(filter, scope);
    const limit = Math.min(Math.max(filter.limit ?? DEFAULT_LIMIT, 1), MAX_LIMIT);
    const rows = this.db.prepare(`SELECT * FROM audit ${sql} ORDER BY seq DESC LIMIT ${limit}`).all(params) as Row[];
    return rows.map(fromRow);
  }

  /** CSV of the matching entries, oldest first (the limit defaults to the maximum). */
  exportCsv(filter: AuditFilter = {}, scope: AuditScope = { sites: 'all' }): string {
    const entries = this.query({ ...filter, limit: filter.limit ?? MAX_LIMIT }, scope).reverse();
    let out = csvRow([
      'seq', 'time', 'type', 'actor', 'impersonator', 'workstation', 'site', 'asset', 'target', 'outcome', 'reason', 'rule',
      'before', 'after', 'details', 'hash',
    ]);
    for (const e of entries) {
      out += csvRow([
        e.seq, new Date(e.ts).toISOString(), e.type, e.actor, e.impersonator, e.workstation, e.siteId, e.assetId, e.target,
        e.outcome, e.reason, e.rule,
        e.before === null ? null : canonicalJson(e.before),
        e.after === null ? null : canonicalJson(e.after),
        e.details === null ? null : canonicalJson(e.details),
        e.hash,
      ]);
    }
    return out;
  }

  private where(f: AuditFilter, scope: AuditScope): { sql: string; params: Record<string, unknown> } {
    const clauses: string[] = [];
    const params: Record<string, unknown> = {};
    if (f.user !== undefined) {
      clauses.push('(actor = @user OR impersonator = @user)');
      params.user = f.user;
    }
    if (f.type !== undefined) {
      if (f.type.endsWith('.')) {
        clauses.push('substr(type, 1, @typeLen) = @type');
        params.typeLen = f.type.length;
      } else clauses.push('type = @type');
      params.type = f.type;
    }
    if (f.assetId !== undefined) {
      clauses.push('asset_id = @assetId');
      params.assetId = f.assetId;
    }
    if (f.siteId !== undefined) {
      clauses.push('site_id = @siteId');
      params.siteId = f.siteId;
    }
    if (f.outcome !== undefined) {
      clauses.push('outcome = @outcome');
      params.outcome = f.outcome;
    }
    if (f.from !== undefined) {
      clauses.push('ts >= @from');
      params.from = f.from;
    }
    if (f.to !== undefined) {
      clauses.push('ts < @to');
      params.to = f.to;
    }
    if (f.beforeSeq !== undefined) {
      clauses.push('seq < @beforeSeq');
      params.beforeSeq = f.beforeSeq;
    }
    if (scope.sites !== 'all') {
      const names = scope.sites.map((_, i) => `@scope${i}`);
      scope.sites.forEach((s, i) => (params[`scope${i}`] = s));
      const own = scope.self !== undefined ? ' OR (site_id IS NULL AND (actor = @self OR target = @self))' : '';
      if (scope.self !== undefined) params.self = scope.self;
      clauses.push(`(${names.length ? `site_id IN (${names.join(', ')})` : '0'}${own})`);
    }
    return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
  }
}
