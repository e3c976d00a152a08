import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ApiError } from '../common/api/contract';
import { TREND_VIEWS_MAX, trendViewMethodArgSchemas } from '../common/trends';
import { defaultProfileDirs, loadSite } from '../config/load';
import { openAppDb } from '../db';
import { defaultTrendGroups, TrendViewStore } from './views';

const ROOT = join(__dirname, '..', '..');
const demo = loadSite(join(ROOT, 'assets', 'sites', 'demo', 'site.yaml'), defaultProfileDirs(ROOT));
const points = new Set(demo.points.map((p) => p.id));
const exists = (id: string): boolean => points.has(id);
const OLGA = { username: 'olga', mayShare: false };
const ENGINEER = { username: 'eve', mayShare: true };
const range = { kind: 'preset' as const, key: '1h' as const };

function store(contracted = 60) {
  const db = openAppDb(':memory:');
  let kw = contracted;
  const s = new TrendViewStore(db, 'demo', () => defaultTrendGroups(demo.site, exists, kw), exists, () => 1000);
  return { s, db, setContract: (v: number) => (kw = v) };
}
const refuses = (rule: string) => (e: unknown) => e instanceof ApiError && e.details.rule === rule;

describe('saved trend views on the server', () => {
  it('a new user sees the default groups: power balance, battery, PCC against the contracted power in force', () => {
    const { s, setContract } = store();
    const v = s.list(OLGA);
    assert.deepEqual(v.map((x) => [x.id, x.scope]), [['default.power-balance', 'default'], ['default.battery', 'default'], ['default.pcc-contract', 'default']]);
    assert.ok(v[0]!.pens.includes(`${demo.site.site.pcc.meter}/ActivePower`) && v[0]!.pens.includes('ess/ActivePower') && v[0]!.pens.length >= 3);
    assert.deepEqual(v[1]!.pens, ['ess/Soc', 'ess/ActivePower', 'ess/Temperature']);
    assert.deepEqual(v[2]!.references, [{ label: 'Contracted power', value: 60, unit: 'kW' }]);
    setContract(8);
    assert.equal(s.list(OLGA)[2]!.references?.[0]?.value, 8, 'the reference follows the contracted power');
    for (const d of v) for (const p of d.pens) assert.ok(exists(p), p);
  });

  it('own views are per user; saving the same name (any case) replaces; shared views need config.edit and everyone sees them', () => {
    const { s } = store();
    const a = s.save(OLGA, { name: 'Morning check', pens: ['ess/Soc'], range });
    const b = s.save(OLGA, { name: 'MORNING check', pens: ['ess/Soc', 'ess/Temperature'], range: { kind: 'custom', from: 1, to: 2 } });
    assert.equal(b.id, a.id, 'replaced, not duplicated');
    const own = s.list(OLGA).filter((x) => x.scope === 'user');
    assert.deepEqual(own.map((x) => [x.name, x.pens.length, x.range.kind]), [['MORNING check', 2, 'custom']]);
    assert.equal(s.list({ username: 'victor', mayShare: false }).filter((x) => x.scope === 'user').length, 0, 'another user does not see it');
    assert.throws(() => s.save(OLGA, { name: 'For all', pens: ['ess/Soc'], range, shared: true }), refuses('role.missing-capability'));
    const shared = s.save(ENGINEER, { name: 'For all', pens: ['ess/Soc'], range, shared: true });
    assert.equal(s.list(OLGA).find((x) => x.id === shared.id)?.scope, 'shared');
    assert.throws(() => s.delete(OLGA, shared.id), refuses('role.missing-capability'));
    assert.throws(() => s.delete(ENGINEER, a.id), refuses('role.missing-capability'), "someone else's own view");
    assert.throws(() => s.delete(OLGA, 'default.battery'), refuses('trends.default-group'));
    assert.equal(s.delete(OLGA, a.id), true);
    assert.equal(s.delete(ENGINEER, shared.id), true);
    assert.equal(s.delete(OLGA, 'nope'), false);
  });

  it('refuses unknown points and more than the limit of views; names are checked by the API schema', () => {
    const { s } = store();
    assert.throws(() => s.save(OLGA, { name: 'x', pens: ['ess/Nope'], range }), /the site has no point "ess\/Nope"/);
    for (let i = 0; i < TREND_VIEWS_MAX; i++) s.save(OLGA, { name: `v${i}`, pens: ['ess/Soc'], range });
    assert.throws(() => s.save(OLGA, { name: 'one more', pens: ['ess/Soc'], range }), refuses('trends.views-limit'));
    s.save(OLGA, { name: 'V3', pens: ['ess/Temperature'], range }); // replacing is still allowed
    const schema = trendViewMethodArgSchemas['trends.views.save'];
    assert.equal(schema.safeParse({ name: 'ok', pens: ['ess/Soc'], range }).success, true);
    const long = schema.safeParse({ name: 'x'.repeat(61), pens: ['ess/Soc'], range });
    assert.match(long.error?.issues[0]?.message ?? '', /at most 60 characters/);
    assert.equal(schema.safeParse({ name: '   ', pens: ['ess/Soc'], range }).success, false);
    assert.equal(schema.safeParse({ name: 'a\u0007b', pens: ['ess/Soc'], range }).success, false);
    assert.equal(schema.safeParse({ name: 'ok', pens: [], range }).success, false);
    assert.equal(schema.safeParse({ name: 'ok', pens: Array.from({ length: 9 }, () => 'ess/Soc'), range }).success, false);
    assert.equal(schema.safeParse({ name: 'ok', pens: ['ess/Soc'], range: { kind: 'preset', key: '2h' } }).success, false);
  });
});
