/**
 * Saved trend views on the server (table `trend_views`, migration 5): each user's own, the
 * site's shared ones (saved and deleted with config.edit), and the default groups built from
 * the site model so that a new user has something useful at once. Names are checked by the
 * API schema (length, no control characters) and are unique per scope, case-insensitive.
 */
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { ApiError } from '../common/api/contract';
import type { PointId } from '../common/point';
import type { SiteConfig } from '../common/site';
import { TREND_VIEWS_MAX, trendViewRangeSchema, type TrendView, type TrendViewRange, type TrendViewSaveRequest } from '../common/trends';

/** Who is asking: the user name and whether they may change the site's shared views. */
export interface TrendViewUser {
  username: string;
  mayShare: boolean;
}

interface Row {
  id: string;
  owner: string | null;
  name: string;
  pens_json: string;
  range_json: string;
  updated_at: number;
  updated_by: string;
}

export class TrendViewStore {
  constructor(
    private readonly db: Database.Database,
    private readonly siteId: string,
    /** the site's default groups now (see `defaultTrendGroups`; the contracted power may change) */
    private readonly defaults: () => readonly TrendView[],
    /** point ids that exist on the site */
    private readonly pointExists: (id: PointId) => boolean,
    private readonly now: () => number = Date.now,
  ) {}

  /** The default groups, the shared views and the user's own, each group sorted by name. */
  list(user: TrendViewUser): TrendView[] {
    const rows = this.db
      .prepare('SELECT id, owner, name, pens_json, range_json, updated_at, updated_by FROM trend_views WHERE site_id = ? AND (owner IS NULL OR owner = ?) ORDER BY name_key')
      .all(this.siteId, user.username) as Row[];
    const views = rows.flatMap((r) => {
      const v = this.toView(r);
      return v ? [v] : [];
    });
    return [...this.defaults(), ...views.filter((v) => v.scope === 'shared'), ...views.filter((v) => v.scope === 'user')];
  }

  save(user: TrendViewUser, req: TrendViewSaveRequest): TrendView {
    const shared = req.shared === true;
    if (shared && !user.mayShare)
      throw new ApiError('forbidden', 'saving a view for everyone needs the right to edit the configuration; save it for yourself instead', { rule: 'role.missing-capability', path: 'shared' });
    const name = req.name.trim();
    const unknown = req.pens.filter((p) => !this.pointExists(p));
    if (unknown.length > 0) throw new ApiError('bad-request', `the site has no point ${unknown.map((p) => `"${p}"`).join(', ')}`, { path: 'pens' });
    const owner = shared ? null : user.username;
    const key = name.toLocaleLowerCase('en');
    const existing = this.db
      .prepare("SELECT id FROM trend_views WHERE site_id = ? AND COALESCE(owner, '') = ? AND name_key = ?")
      .get(this.siteId, owner ?? '', key) as { id: string } | undefined;
    if (!existing) {
      const n = (this.db.prepare("SELECT COUNT(*) AS n FROM trend_views WHERE site_id = ? AND COALESCE(owner, '') = ?").get(this.siteId, owner ?? '') as { n: number }).n;
      if (n >= TREND_VIEWS_MAX)
        throw new ApiError('bad-request', `at most ${TREND_VIEWS_MAX} ${shared ? 'shared views on a site' : 'saved views per user'}: delete one first`, { rule: 'trends.views-limit' });
    }
    const id = existing?.id ?? `tv${randomBytes(6).toString('hex')}`;
    const at = this.now();
    this.db
      .prepare(
        `INSERT INTO trend_views (id, site_id, owner, name, name_key, pens_json, range_json, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, pens_json = excluded.pens_json, range_json = excluded.range_json, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      )
      .run(id, this.siteId, owner, name, key, JSON.stringify(req.pens), JSON.stringify(req.range), at, user.username);
    return { id, name, scope: shared ? 'shared' : 'user', pens: [...req.pens], range: req.range, updatedBy: user.username, updatedAt: at };
  }

  delete(user: TrendViewUser, id: string): boolean {
    if (this.defaults().some((d) => d.id === id)) throw new ApiError('bad-request', 'a default group of the site cannot be deleted', { rule: 'trends.default-group', path: 'id' });
    const row = this.db.prepare('SELECT owner FROM trend_views WHERE site_id = ? AND id = ?').get(this.siteId, id) as { owner: string | null } | undefined;
    if (!row) return false;
    if (row.owner === null ? !user.mayShare : row.owner !== user.username)
      throw new ApiError('forbidden', row.owner === null ? 'deleting a shared view needs the right to edit the configuration' : 'this view belongs to someone else', { rule: 'role.missing-capability', path: 'id' });
    return this.db.prepare('DELETE FROM trend_views WHERE site_id = ? AND id = ?').run(this.siteId, id).changes > 0;
  }

  private toView(r: Row): TrendView | null {
    let pens: unknown;
    let range: TrendViewRange;
    try {
      pens = JSON.parse(r.pens_json);
      range = trendViewRangeSchema.parse(JSON.parse(r.range_json));
    } catch {
      return null;
    }
    if (!Array.isArray(pens)) return null;
    return {
      id: r.id,
      name: r.name,
      scope: r.owner === null ? 'shared' : 'user',
      pens: pens.filter((p): p is string => typeof p === 'string'),
      range,
      updatedBy: r.updated_by,
      updatedAt: r.updated_at,
    };
  }
}

/**
 * The site's default groups from its model: the power balance (PCC, PV, battery, loads, EV
 * chargers), the battery (SoC, power, temperature) and the PCC against the contracted power in
 * force. Only points the site has; a group without any is left out.
 */
export function defaultTrendGroups(site: SiteConfig, pointExists: (id: PointId) => boolean, contractedPowerKw: number): TrendView[] {
  const of = (nature: string, channel: string): PointId[] => site.assets.filter((a) => a.nature === nature).map((a) => `${a.id}/${channel}`).filter(pointExists);
  const pcc = [`${site.site.pcc.meter}/ActivePower`].filter(pointExists);
  const balance = [...pcc, ...of('Pv', 'ActivePower'), ...of('Ess', 'ActivePower'), ...of('Load', 'ActivePower'), ...of('Evse', 'ActivePower')].slice(0, 8);
  const firstEss = site.assets.find((a) => a.nature === 'Ess');
  const battery = firstEss ? ['Soc', 'ActivePower', 'Temperature'].map((c) => `${firstEss.id}/${c}`).filter(pointExists) : [];
  const out: TrendView[] = [];
  const range: TrendViewRange = { kind: 'preset', key: '8h' };
  if (balance.length > 0) out.push({ id: 'default.power-balance', name: 'Site power balance', scope: 'default', pens: balance, range });
  if (battery.length > 0) out.push({ id: 'default.battery', name: `Battery${firstEss && site.assets.filter((a) => a.nature === 'Ess').length > 1 ? ` (${firstEss.name})` : ''}`, scope: 'default', pens: battery, range });
  if (pcc.length > 0)
    out.push({
      id: 'default.pcc-contract',
      name: 'PCC against contracted power',
      scope: 'default',
      pens: pcc,
      range: { kind: 'preset', key: '24h' },
      references: [{ label: 'Contracted power', value: contractedPowerKw, unit: 'kW' }],
    });
  return out;
}
