import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { StudyResults } from '../common/study';
import { CsvProfileError, parseProfileCsv, seriesCsv, totalsCsv } from './csv';

describe('study CSV', () => {
  it('reads a 15-minute profile with its offsets', () => {
    const p = parseProfileCsv('time;load_kw;pv_kw\n2026-01-05T00:00:00+01:00;10,5;0\n2026-01-05T00:15:00+01:00;11;0.2\n', 'site.csv', 50);
    assert.equal(p.start, Date.UTC(2026, 0, 4, 23));
    assert.deepEqual(p.loadKw, [10.5, 11]);
    assert.deepEqual(p.pvKw, [0, 0.2]);
    assert.equal(p.pvKwpMeasured, 50);
  });

  it('names every problem by file, line and column', () => {
    const text = ['time,load_kw,pv_kw', '2026-01-05T00:00:00Z,10,0', '2026-01-05T00:15:00Z,ten,0', '2026-01-05 00:45,12,0', '2026-01-05T01:00:00Z,12,-3', '2026-01-05T01:30:00Z,12,1'].join('\n');
    try {
      parseProfileCsv(text, 'm.csv', 10);
      assert.fail('no error');
    } catch (e) {
      assert.ok(e instanceof CsvProfileError);
      assert.deepEqual(e.problems, [
        'm.csv:3:22: load_kw "ten" is not a number',
        'm.csv:4:1: "2026-01-05 00:45" is not a time with its offset (e.g. 2026-01-05T00:15:00+01:00)',
        'm.csv:5:1: expected the next 15-minute step 2026-01-05T00:30:00.000Z, found 2026-01-05T01:00:00.000Z',
        'm.csv:5:25: pv_kw -3 kW is negative',
        'm.csv:6:1: expected the next 15-minute step 2026-01-05T01:15:00.000Z, found 2026-01-05T01:30:00.000Z',
      ]);
      assert.match(e.message, /^The profile file cannot be used: m\.csv:3:22/);
    }
    assert.throws(() => parseProfileCsv('when,kw\n', 'x.csv', 0), /x\.csv:1:1: the header must name the columns time and load_kw/);
  });

  it('writes the strategies side by side and their totals', () => {
    const series = { start: Date.UTC(2026, 0, 1), stepMinutes: 15, socPct: [50, 51], essKw: [-4, 0], gridKw: [14, 10], pvKw: [0, 0], loadKw: [10, 10] };
    const totals = { netCost: 12.5, annualSaving: 100, paybackYears: null } as unknown as StudyResults['strategies'][number]['totals'];
    const r: StudyResults = { format: 1, specHash: 'h', startedAt: 0, finishedAt: 0, wallMs: 0, steps: 2, strategies: [{ strategyId: 'a', name: 'A, first', totals, series, depthHistogram: [] }], sweep: { strategyId: 'a', rows: [{ batteryKwh: 10, inverterKw: 5, annualSaving: 0, investment: 100, paybackYears: null, equivalentFullCycles: 0, cycleDamagePct: 0 }] } };
    assert.equal(seriesCsv(r), 'time_utc,load_kw,pv_kw,a_battery_kw,a_soc_pct,a_grid_kw\n2026-01-01T00:00:00.000Z,10,0,-4,50,14\n2026-01-01T00:15:00.000Z,10,0,0,51,10\n');
    const t = totalsCsv(r);
    assert.match(t, /^quantity,"A, first"\nNet cost,12\.5\n/);
    assert.match(t, /\n10,5,100,0,,0,0\n$/);
  });
});
