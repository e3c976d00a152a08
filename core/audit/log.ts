/**
 * The audit log (users.03): every action, who, when, from which workstation, why. Entries are
 * hash-chained: hash = SHA-256(prevHash + canonicalJson(entry)), so editing or deleting an
 * entry breaks the chain at that entry and `verify()` names it. With an anchor key (from the
 * KeyProvider) the head of the chain is also HMAC-anchored, so cutting off the newest entries
 * is detected too.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { AuditEntry, AuditEntryInput, AuditFilter, AuditOutcome, AuditVerifyResult } from '../common/security';
import { canonicalJson } from './canonical';
import { csvRow } from './csv';

export const GENESIS_HASH = '0'.repeat(64);
const DEFAULT_LIMIT = 500;
const MAX_LIMIT = 10_000;

export interface AuditLogOptions {
  now?: () => number;
  /** key for the HMAC anchor of the chain's head (32 bytes from the KeyProvider) */
  anchorKey?: Buffer;
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

  constructor(
    private readonly db: Database.Database,
    opts: AuditLogOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.anchorKey = opts.anchorKey;
    this.insert = db.prepare(`INSERT INTO audit
      (seq, ts, type, actor, impersonator, workstation, site_id, asset_id, target, outcome, reason, rule,
       before_json, after_json, details_json, prev_hash, hash)
      VALUES (@seq, @ts, @type, @actor, @impersonator, @workstation, @site_id, @asset_id, @target, @outcome, @reason, @rule,
       @before_json, @after_json, @details_json, @prev_hash, @hash)`);
    this.last = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
    this.anchor = db.prepare(
      'INSERT INTO audit_anchor (id, seq, hash, mac) VALUES (1, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac',
    );
    const tx = db.transaction((input: AuditEntryInput): AuditEntry => {
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
    });
    this.appendTx = (input) => tx.immediate(input);
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

  /** Recomputes the whole chain; on failure names the first bad entry. */
  verify(): AuditVerifyResult {
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
    return { ok: true, count, headSeq: expectedSeq - 1, headHash: prevHash };
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
