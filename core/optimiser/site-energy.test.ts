/**
 * The energy section of the site file: the demo site plans as shipped; inconsistent parameters
 * are refused at load with file:line; tariffs and EV sessions line up with local time.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, formatIssue, loadSite, type FileIssue } from '../config/load';
import { localMidnight, localParts, nextDate, stepsInLocalDay } from './localtime';
import { evNeeds, problemFromSite, tariffPrice } from './site-problem';
import { solvePlan } from './solve';

const ROOT = join(__dirname, '..', '..');
const PROFILES = [join(ROOT, 'assets', 'profiles')];
const DEMO = join(ROOT, 'assets', 'sites', 'demo', 'site.yaml');
const demoText = readFileSync(DEMO, 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'esm-energy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function issuesOf(text: string): FileIssue[] {
  const file = join(dir, `site-${++n}.yaml`);
  writeFileSync(file, text);
  try {
    loadSite(file, PROFILES);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.issues;
  }
  return assert.fail('the site file was accepted');
}

function replaceOnce(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `the demo site no longer contains ${from}`);
  return text.replace(from, to);
}

function lineOf(text: string, needle: string): number {
  return text.slice(0, text.indexOf(needle)).split('\n').length;
}

describe('energy section of the site file', () => {
  it('the demo site loads with its energy section', () => {
    const site = loadSite(DEMO, PROFILES).site;
    assert.equal(site.energy?.planning.stepMinutes, 15);
    assert.equal(site.energy?.storage[0]?.asset, 'ess');
  });

  it('refuses a SoC window outside 0-100, an efficiency above 1 and a negative capacity, each with file:line', () => {
    let text = replaceOnce(demoText, '    - asset: ess\n      chargeEfficiency: 0.96\n', '    - asset: ess\n      socMaxPct: 120\n      capacityKwh: -5\n      chargeEfficiency: 1.2\n');
    const issues = issuesOf(text);
    const got = (path: string) => issues.find((i) => i.path === path);
    const soc = got('energy.storage[0].socMaxPct');
    const eff = got('energy.storage[0].chargeEfficiency');
    const cap = got('energy.storage[0].capacityKwh');
    assert.ok(soc && eff && cap, issues.map(formatIssue).join('\n'));
    assert.match(soc.message, /percentage: 0 to 100/);
    assert.match(eff.message, /at most 1/);
    assert.match(cap.message, /greater than 0 kWh/);
    assert.equal(soc.line, lineOf(text, 'socMaxPct: 120'));
    assert.equal(eff.line, lineOf(text, 'chargeEfficiency: 1.2'));
    assert.match(formatIssue(eff), new RegExp(`site-\\d+\\.yaml:${eff.line}:\\d+: energy\\.storage\\[0\\]\\.chargeEfficiency`));
    text = replaceOnce(demoText, '      socMinPct: 10\n', '      socMinPct: 96\n');
    const empty = issuesOf(text).find((i) => i.path === 'energy.storage[0].socMaxPct');
    assert.ok(empty, 'an empty window (asset limits 96-95 %) is refused');
    assert.match(empty.message, /SoC window is empty/);
  });

  it('refuses overlapping tariff periods, naming both and the day', () => {
    const text = replaceOnce(demoText, 'from: "14:00", to: "18:00", pricePerKwh: 0.18', 'from: "13:00", to: "18:00", pricePerKwh: 0.18');
    const issues = issuesOf(text);
    const i = issues.find((x) => x.path === 'energy.grid.importTariff.periods[2]');
    assert.ok(i, issues.map(formatIssue).join('\n'));
    assert.match(i.message, /"P2 afternoon" \(13:00-18:00\) overlaps period "P1 midday" \(10:00-14:00\) on mon/);
    assert.equal(i.line, lineOf(text, '{ name: P2 afternoon'));
  });

  it('refuses a period ending before it starts and a plan step that does not divide an hour', () => {
    let text = replaceOnce(demoText, 'from: "22:00", to: "24:00"', 'from: "22:00", to: "06:00"');
    text = replaceOnce(text, 'stepMinutes: 15', 'stepMinutes: 25');
    const msgs = issuesOf(text).map((i) => `${i.path}: ${i.message}`);
    assert.ok(msgs.some((m) => /periods\[4\]\.to: period "P2 late" ends at 06:00, not after it starts at 22:00/.test(m)), msgs.join('\n'));
    assert.ok(msgs.some((m) => /energy\.planning\.stepMinutes: the plan step must divide an hour/.test(m)), msgs.join('\n'));
  });

  it('refuses an energy entry for an unknown asset or an asset of the wrong nature', () => {
    const text = replaceOnce(replaceOnce(demoText, '    - asset: evse2\n', '    - asset: building\n'), '    - { asset: pv, curtailable', '    - { asset: ghost, curtailable');
    const msgs = issuesOf(text).map((i) => `${i.path}: ${i.message}`);
    assert.ok(msgs.includes('energy.ev[1].asset: asset "building" is a Load, not a Evse'), msgs.join('\n'));
    assert.ok(msgs.includes('energy.pv[0].asset: unknown asset "ghost"'), msgs.join('\n'));
  });
});

describe('local time: days, tariffs and sessions', () => {
  const tz = 'Europe/Madrid';
  it('a local day has 96 quarter hours, 92 when clocks go forward and 100 when they go back', () => {
    assert.equal(stepsInLocalDay('2026-06-01', tz, 15), 96);
    assert.equal(stepsInLocalDay('2026-03-29', tz, 15), 92);
    assert.equal(stepsInLocalDay('2026-10-25', tz, 15), 100);
    assert.equal(stepsInLocalDay('2026-10-25', tz, 5), 300);
    assert.equal(new Date(localMidnight('2026-10-25', tz)).toISOString(), '2026-10-24T22:00:00.000Z');
    assert.equal(new Date(localMidnight(nextDate('2026-10-25'), tz)).toISOString(), '2026-10-25T23:00:00.000Z');
  });

  it('tariff periods apply in local time, across the clock change', () => {
    const site = loadSite(DEMO, PROFILES).site;
    const t = site.energy!.grid.importTariff;
    // Monday 2026-06-01 10:30 CEST = 08:30 UTC: P1 midday
    assert.equal(tariffPrice(t, Date.UTC(2026, 5, 1, 8, 30), tz), 0.25);
    // 09:30 UTC = 11:30 CEST in summer, 10:30 CET in winter: both P1
    assert.equal(tariffPrice(t, Date.UTC(2026, 11, 7, 9, 30), tz), 0.25);
    // Monday 2026-12-07 08:30 UTC = 09:30 CET: P2 morning, which in summer would be P1
    assert.equal(tariffPrice(t, Date.UTC(2026, 11, 7, 8, 30), tz), 0.18);
    // Sunday: valley all day
    assert.equal(tariffPrice(t, Date.UTC(2026, 5, 7, 10, 0), tz), 0.1);
    assert.equal(localParts(Date.UTC(2026, 5, 7, 10, 0), tz).weekday, 'sun');
  });

  it('EV sessions become needs on the plan steps of local time; a session cut by the horizon needs its share', () => {
    const sessions = [{ days: ['mon' as const], arrive: '08:00', depart: '17:00', energyKwh: 36, arrivalSocPct: 30 }];
    const start = localMidnight('2026-06-01', tz);
    assert.deepEqual(evNeeds(sessions, start, 96, 15, tz), [{ fromStep: 32, departStep: 68, energyKwh: 36, socPct: 30 }]);
    // a plan starting at 12:00 local sees 5 of the 9 hours: 20 kWh
    const noon = start + 12 * 3_600_000;
    assert.deepEqual(evNeeds(sessions, noon, 48, 15, tz), [{ fromStep: 0, departStep: 20, energyKwh: 20, socPct: 30 }]);
  });
});

describe('the demo site plans', () => {
  it('a day-ahead plan for a weekday: the battery stays in its window, the EVs get their energy, the PCC stays under the contract', async () => {
    const site = loadSite(DEMO, PROFILES).site;
    const tz = site.site.timezone;
    const start = localMidnight('2026-06-01', tz);
    const steps = stepsInLocalDay('2026-06-01', tz, 15);
    const hour = (t: number) => t / 4;
    const loadKw = Array.from({ length: steps }, (_, t) => (hour(t) >= 8 && hour(t) < 19 ? 55 + 15 * Math.sin(((hour(t) - 8) / 11) * Math.PI) : 15));
    const pvKw = Array.from({ length: steps }, (_, t) => Math.max(0, 58 * Math.sin(((hour(t) - 7.5) / 13) * Math.PI)));
    const p = problemFromSite(site, { start, steps, loadKw, pvKw: { pv: pvKw }, socPct: { ess: 50 } });
    const plan = await solvePlan(p);
    const b = plan.series.storage[0]!;
    for (const s of b.socPct) assert.ok(s >= 10 - 1e-6 && s <= 95 + 1e-6, `SoC ${s} % outside 10-95 %`);
    for (const e of plan.series.ev) for (const u of e.unmetKwh) assert.ok(u < 1e-6, `EV ${e.id}: ${u} kWh not delivered`);
    const delivered = plan.series.ev.map((e) => e.powerKw.reduce((s, v) => s + v / 4, 0));
    assert.ok(Math.abs(delivered[0]! - 30) < 1e-4 && Math.abs(delivered[1]! - 20) < 1e-4, `EV energy ${delivered.join(', ')}`);
    for (const [t, g] of plan.series.gridImportKw.entries()) assert.ok(g <= 60 + 1e-6, `step ${t}: import ${g} kW above the 60 kW contract`);
    // EV minimum power (semi-continuous): 0 or at least 4.2 kW
    for (const e of plan.series.ev) for (const v of e.powerKw) assert.ok(v < 1e-6 || v >= 4.2 - 1e-6, `EV power ${v} kW between 0 and 4.2`);
  });
});
