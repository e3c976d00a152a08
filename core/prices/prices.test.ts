/**
 * Market prices (issue #11 items 5 and 6, energy.10): ENTSO-E A44 and CSV files read with
 * worked answers, bad files refused with file, line and element, the market curve turned into
 * the plan's price series with the tariffs, the tariff's power term in the formulation, and
 * the refresh from a watched folder and from a local HTTP server on a virtual clock.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { VirtualScheduler } from '../common/clock';
import { energyConfigSchema, type EnergyConfig } from '../common/energy';
import { solvePlan } from '../optimiser/solve';
import type { PlanProblem } from '../optimiser/problem';
import { periodDemandCharges } from '../optimiser/site-problem';
import { mergeCurves, PriceFileError, stepPrices } from './curve';
import { parseCsvPrices } from './csv';
import { parseEntsoe } from './entsoe';
import { planPrices } from './prices';
import { MarketPriceService, PRICES_FAILED_ALARM } from './service';

const tz = 'Europe/Madrid';

/** An A44 document as the Transparency Platform sends it (one TimeSeries, one Period). */
export function entsoeDoc(o: { start: string; end: string; resolution: string; curve?: string; points: Array<[number | string, number | string]>; type?: string; zone?: string }): string {
  const pts = o.points.map(([p, a]) => `      <Point>\n        <position>${p}</position>\n        <price.amount>${a}</price.amount>\n      </Point>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Publication_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-3:publicationdocument:7:3">
  <mRID>4a4c4f2b1d2f4b9b</mRID>
  <revisionNumber>1</revisionNumber>
  <type>${o.type ?? 'A44'}</type>
  <sender_MarketParticipant.mRID codingScheme="A01">10X1001A1001A450</sender_MarketParticipant.mRID>
  <createdDateTime>2026-12-01T12:00:00Z</createdDateTime>
  <period.timeInterval>
    <start>${o.start}</start>
    <end>${o.end}</end>
  </period.timeInterval>
  <TimeSeries>
    <mRID>1</mRID>
    <businessType>A62</businessType>
    <in_Domain.mRID codingScheme="A01">${o.zone ?? '10YES-REE------0'}</in_Domain.mRID>
    <out_Domain.mRID codingScheme="A01">${o.zone ?? '10YES-REE------0'}</out_Domain.mRID>
    <currency_Unit.name>EUR</currency_Unit.name>
    <price_Measure_Unit.name>MWH</price_Measure_Unit.name>
    <curveType>${o.curve ?? 'A01'}</curveType>
    <Period>
      <timeInterval>
        <start>${o.start}</start>
        <end>${o.end}</end>
      </timeInterval>
      <resolution>${o.resolution}</resolution>
${pts}
    </Period>
  </TimeSeries>
</Publication_MarketDocument>
`;
}

const hourly = (base: number) => Array.from({ length: 24 }, (_, h) => [h + 1, base + h] as [number, number]);
// 2026-12-02 local (CET, UTC+1) runs from 2026-12-01T23:00Z
const DAY = { start: '2026-12-01T23:00Z', end: '2026-12-02T23:00Z' };
const t0 = Date.UTC(2026, 11, 1, 23);

function refusal(fn: () => unknown, line: number, where: RegExp, reason: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof PriceFileError, String(e));
    assert.equal(e.line, line, e.message);
    assert.match(e.where, where);
    assert.match(e.reason, reason);
    assert.match(e.message, new RegExp(`^${e.file.replace(/[.]/g, '\\.')}:${line}: `));
    return true;
  });
}

describe('ENTSO-E publication document (A44)', () => {
  it('hourly A01 prices in EUR/MWh become EUR/kWh per quarter hour of the local day', () => {
    const c = parseEntsoe(entsoeDoc({ ...DAY, resolution: 'PT60M', points: hourly(80) }), 'da.xml');
    assert.equal(c.currency, 'EUR');
    assert.equal(c.intervals.length, 24);
    assert.deepEqual(c.intervals[0], { start: t0, end: t0 + 3_600_000, pricePerKwh: 0.08 });
    const q = stepPrices(c.intervals, t0, 96, 15);
    assert.equal(q.length, 96);
    // 01:00-02:00 local is position 2: 81 EUR/MWh for each of its four quarter hours
    assert.deepEqual(q.slice(4, 8), [0.081, 0.081, 0.081, 0.081]);
    assert.equal(q[95], 0.103);
  });

  it('quarter-hour A03 prices: an omitted position repeats the one before; hourly steps average four quarters', () => {
    // positions 1 (40), 3 (80), 4 (100) of PT15M over one hour: position 2 repeats 40
    const c = parseEntsoe(entsoeDoc({ start: '2026-12-01T23:00Z', end: '2026-12-02T00:00Z', resolution: 'PT15M', curve: 'A03', points: [[1, 40], [3, 80], [4, 100]] }), 'q.xml');
    assert.deepEqual(c.intervals.map((i) => i.pricePerKwh), [0.04, 0.04, 0.08, 0.1]);
    const [h] = stepPrices(c.intervals, t0, 1, 60);
    assert.ok(Math.abs((h as number) - 0.065) < 1e-12); // (40 + 40 + 80 + 100) / 4 / 1000
    // a step not covered by the market is null
    assert.deepEqual(stepPrices(c.intervals, t0 + 30 * 60_000, 2, 30), [0.09, null]);
  });

  it('refuses bad documents with the file, the line and the element', () => {
    const bad = (pts: Array<[number | string, number | string]>, extra: Partial<Parameters<typeof entsoeDoc>[0]> = {}) => entsoeDoc({ ...DAY, resolution: 'PT60M', points: pts, ...extra });
    const pts = hourly(50);
    // the document's lines: <Point> of position 1 is at line 26, its position at 27, its price.amount at 28; 4 lines a point
    const withText = pts.map((p, i) => (i === 2 ? ([3, 'n/a'] as [number, string]) : p));
    refusal(() => parseEntsoe(bad(withText), 'da.xml'), 28 + 2 * 4, /<Point><price.amount>/, /"n\/a" is not a price/);
    refusal(() => parseEntsoe(bad(pts.map((p, i) => (i === 5 ? ([30, 1] as [number, number]) : p))), 'da.xml'), 27 + 5 * 4, /<Point><position>/, /not a position from 1 to 24/);
    refusal(() => parseEntsoe(bad(pts.filter((_, i) => i !== 7)), 'da.xml'), 27 + 7 * 4, /<Point><position>/, /position 8 is missing \(curve type A01/);
    refusal(() => parseEntsoe(bad(pts, { resolution: 'PT5M' }), 'da.xml'), 25, /<resolution>/, /"PT5M" is not PT15M, PT30M or PT60M/);
    refusal(() => parseEntsoe(bad(pts, { curve: 'A05' }), 'da.xml'), 19, /<curveType>/, /"A05" is not A01/);
    refusal(() => parseEntsoe(bad(pts, { type: 'A65' }), 'da.xml'), 5, /<type>/, /not A44/);
    refusal(() => parseEntsoe(bad(pts, { start: '2026-12-02 00:00' }), 'da.xml'), 22, /<Period><timeInterval><start>/, /not a UTC time/);
    refusal(() => parseEntsoe(bad(pts).replace('</Period>', ''), 'da.xml'), 123, /XML/, /closing tag 'Period'/);
    refusal(
      () => parseEntsoe('<?xml version="1.0"?>\n<Acknowledgement_MarketDocument>\n  <Reason><code>999</code><text>No matching data found</text></Reason>\n</Acknowledgement_MarketDocument>\n', 'ack.xml'),
      2,
      /Acknowledgement/,
      /no prices: No matching data found/,
    );
  });
});

describe('CSV day-ahead file', () => {
  it('rows with their UTC offset; without an end a row lasts to the next start; ; and decimal commas', () => {
    const c = parseCsvPrices('# OMIE day-ahead, Spain\nstart,price_eur_per_mwh\n2026-12-02T00:00+01:00,90\n2026-12-02T01:00+01:00,70.5\n', 'omie.csv');
    assert.deepEqual(c.intervals, [
      { start: t0, end: t0 + 3_600_000, pricePerKwh: 0.09 },
      { start: t0 + 3_600_000, end: t0 + 7_200_000, pricePerKwh: 0.0705 },
    ]);
    const s = parseCsvPrices('start;end;price_eur_per_kwh\n2026-12-01T23:00Z;2026-12-01T23:15Z;0,125\n', 'q.csv');
    assert.deepEqual(s.intervals, [{ start: t0, end: t0 + 900_000, pricePerKwh: 0.125 }]);
  });

  it('refuses bad rows with the file, the line and the column', () => {
    refusal(() => parseCsvPrices('start,price_eur_per_mwh\n2026-12-02T00:00+01:00,90\n2026-12-02T01:00+01:00,abc\n', 'p.csv'), 3, /column price_eur_per_mwh/, /"abc" is not a number/);
    refusal(() => parseCsvPrices('start,price_eur_per_mwh\n\n2026-12-02T00:00,90\n', 'p.csv'), 3, /column start/, /with its UTC offset/);
    refusal(() => parseCsvPrices('start,price\n2026-12-02T00:00Z,90\n', 'p.csv'), 1, /header/, /price_<currency>_per_mwh/);
    refusal(() => parseCsvPrices('start,end,price_eur_per_mwh\n2026-12-02T00:00Z,2026-12-02T01:00Z,90\n2026-12-02T00:30Z,2026-12-02T01:30Z,80\n', 'p.csv'), 3, /column start/, /overlaps the row before/);
    refusal(() => parseCsvPrices('start,price_eur_per_mwh\n2026-12-02T01:00Z,90\n2026-12-02T00:30Z,80\n', 'p.csv'), 2, /column start/, /does not end after it starts/);
    refusal(() => parseCsvPrices('start,price_eur_per_mwh\n2026-12-02T01:00Z,90,1\n', 'p.csv'), 2, /row/, /3 fields for 2 columns/);
  });

  it('a later file overrides an earlier one for the hours it covers', () => {
    const a = parseCsvPrices('start,end,price_eur_per_mwh\n2026-12-01T23:00Z,2026-12-02T01:00Z,100\n', 'a.csv');
    const b = parseCsvPrices('start,end,price_eur_per_mwh\n2026-12-02T00:00Z,2026-12-02T00:30Z,40\n', 'b.csv');
    assert.deepEqual(stepPrices(mergeCurves([a, b]), t0, 4, 30), [0.1, 0.1, 0.04, 0.1]);
  });
});

function energy(over: Record<string, unknown> = {}): EnergyConfig {
  return energyConfigSchema.parse({
    grid: {
      importTariff: { defaultPricePerKwh: 0.2, periods: [{ name: 'peak', days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '18:00', to: '22:00', pricePerKwh: 0.3, demandChargePerKw: 1.5 }] },
      exportTariff: { defaultPricePerKwh: 0.05 },
    },
    ...over,
  });
}

describe('the plan\'s price series', () => {
  it('market × factor + the time-of-use adder where priced; the tariffs elsewhere', () => {
    const e = energy({
      prices: { folder: 'prices', importFactor: 1.1, exportFactor: 0.9, importAdder: { defaultPricePerKwh: 0.02, periods: [{ name: 'network peak', from: '18:00', to: '22:00', pricePerKwh: 0.06 }] } },
    });
    const c = parseEntsoe(entsoeDoc({ ...DAY, resolution: 'PT60M', points: hourly(100) }), 'da.xml');
    // Wednesday 2026-12-02: 96 steps of the day + 4 of the next (unpriced) day
    const p = planPrices(e, c.intervals, t0, 100, 15, tz);
    // 00:00 local: 0.100 × 1.1 + 0.02
    assert.ok(Math.abs((p.importPrice[0] as number) - 0.13) < 1e-12);
    // 19:00 local: position 20 = 119 EUR/MWh × 1.1 + 0.06 (network peak)
    assert.ok(Math.abs((p.importPrice[19 * 4] as number) - (0.119 * 1.1 + 0.06)) < 1e-12);
    assert.ok(Math.abs((p.exportPrice[19 * 4] as number) - 0.119 * 0.9) < 1e-12);
    // Thursday 00:00-01:00: no market price yet: the import tariff's default, the export tariff
    assert.deepEqual(p.importPrice.slice(96), [0.2, 0.2, 0.2, 0.2]);
    assert.deepEqual(p.exportPrice.slice(96), [0.05, 0.05, 0.05, 0.05]);
    assert.equal(p.marketSteps, 96);
    assert.match(p.source, /market prices for 96 of 100 steps, the tariffs for the rest/);
  });

  it('refresh period outside 2-4 h, or neither folder nor URL, is refused', () => {
    assert.throws(() => energy({ prices: { folder: 'p', refreshMinutes: 60 } }), /every 2 to 4 hours/);
    assert.throws(() => energy({ prices: {} }), /a folder or a url/);
  });

  it('the power term of a tariff period: the battery shaves the period\'s peak (worked optimum)', async () => {
    // Two hours, 10 kW load each, energy at 0.1 EUR/kWh; the first hour is in a period with a
    // power term of 1 EUR/kW. A 10 kWh battery at 50 % (η = 1) holds 5 kWh: all of it goes
    // into the first hour, whose import drops to 5 kW. Cost = 1 × 5 + 0.1 × (5 + 10) = 6.5
    // (without the term the battery is indifferent and the peak would cost 10).
    const p: PlanProblem = {
      start: t0, stepMinutes: 60, steps: 2, objective: 'cost', loadKw: [10, 10], importPrice: [0.1, 0.1], exportPrice: [0, 0],
      contractOverrunPerKwh: 10, demandChargePerKw: 0, periodDemandCharges: [{ name: 'peak', perKw: 1, steps: [true, false] }],
      storage: [{ id: 'ess', capacityKwh: 10, socInitPct: 50, socMinPct: 0, socMaxPct: 100, chargeEfficiency: 1, dischargeEfficiency: 1, maxChargeKw: 10, maxDischargeKw: 10, terminalValuePerKwh: 0, degradationCostPerKwh: 0, deepDischargeCostPerKwh: 0 }],
      pv: [], ev: [], gensets: [], controllableLoads: [], deviationCostPerKwh: 0, degradationWeight: 1,
    };
    const plan = await solvePlan(p);
    assert.ok(Math.abs(plan.objectiveValue - 6.5) < 1e-6, `objective ${plan.objectiveValue}`);
    assert.ok(Math.abs((plan.series.gridImportKw[0] as number) - 5) < 1e-6);
    assert.ok(Math.abs((plan.terms['demand charge'] as number) - 5) < 1e-6);
  });

  it('the tariff\'s period power term marks the period\'s local hours on working days only', () => {
    const e = energy();
    // Friday 2026-12-04 and Saturday: 48 hourly steps from local midnight (UTC+1)
    const d = periodDemandCharges(e.grid.importTariff, Date.UTC(2026, 11, 3, 23), 48, 60, tz);
    assert.equal(d.length, 1);
    assert.equal(d[0]?.perKw, 1.5);
    assert.deepEqual(d[0]?.steps.map((s, k) => (s ? k : -1)).filter((k) => k >= 0), [18, 19, 20, 21]);
  });
});

describe('market prices refreshed every 2-4 hours', () => {
  const dirs: string[] = [];
  let server: Server | undefined;
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    server?.close();
  });
  const alarmLog = () => {
    const log: Array<{ id: string; active: boolean; text?: string | undefined }> = [];
    return {
      log,
      raiseSystemAlarm: (id: string, o?: { text?: string }) => log.push({ id, active: true, text: o?.text }),
      clearSystemAlarm: (id: string) => log.push({ id, active: false }),
    };
  };

  it('a watched folder: new files are read at the next refresh; a bad file raises the alarm with file:line and the good prices stay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esm-prices-'));
    dirs.push(dir);
    const scheduler = new VirtualScheduler(Date.UTC(2026, 11, 1, 13));
    const alarms = alarmLog();
    const updates: number[] = [];
    const e = energy({ prices: { folder: 'prices', refreshMinutes: 120 } });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'prices'));
    writeFileSync(join(dir, 'prices', '2026-12-02.xml'), entsoeDoc({ ...DAY, resolution: 'PT60M', points: hourly(60) }));
    const svc = new MarketPriceService({ energy: e, baseDir: dir, scheduler, tz, alarms, onUpdate: (s) => updates.push(s.files.length) });
    svc.start();
    await svc.refresh();
    assert.equal(svc.series(t0, 96, 15).marketSteps, 96);
    assert.equal(svc.series(t0 + 86_400_000, 96, 15).marketSteps, 0);
    assert.deepEqual(updates, [1]);

    // the next day's file arrives, and a broken one
    writeFileSync(join(dir, 'prices', '2026-12-03.csv'), ['start,price_eur_per_mwh', ...Array.from({ length: 24 }, (_, h) => `${new Date(t0 + 86_400_000 + h * 3_600_000).toISOString()},${70 + h}`)].join('\n'));
    writeFileSync(join(dir, 'prices', 'broken.csv'), 'start,price_eur_per_mwh\n2026-12-04T00:00+01:00,12\n2026-12-04T01:00+01:00,--\n');
    // nothing happens before the refresh period
    scheduler.advance(119 * 60_000);
    await svc.refresh().then(() => undefined);
    // (an explicit refresh reads now; the scheduled one fires at 120 min as well)
    scheduler.advance(60_000);
    await svc.refresh();
    assert.equal(svc.series(t0 + 86_400_000, 96, 15).marketSteps, 96);
    assert.equal(svc.series(t0 + 86_400_000, 96, 15).importPrice[4], 0.071);
    const raised = alarms.log.filter((a) => a.id === PRICES_FAILED_ALARM && a.active).at(-1);
    assert.match(raised?.text ?? '', /broken\.csv:3: column price_eur_per_mwh: "--" is not a number/);
    assert.deepEqual(svc.status().files, ['2026-12-02.xml', '2026-12-03.csv']);

    // the file is fixed: the alarm clears
    writeFileSync(join(dir, 'prices', 'broken.csv'), 'start,price_eur_per_mwh\n2026-12-04T00:00+01:00,12\n2026-12-04T01:00+01:00,13\n');
    utimesSync(join(dir, 'prices', 'broken.csv'), new Date(), new Date(Date.now() + 5000));
    await svc.refresh();
    assert.equal(alarms.log.filter((a) => a.id === PRICES_FAILED_ALARM).at(-1)?.active, false);
    svc.stop();
  });

  it('a URL (local HTTP server): read on the schedule; an unreachable or refused answer keeps the last prices with the alarm', async () => {
    let body = entsoeDoc({ ...DAY, resolution: 'PT60M', points: hourly(90) });
    let requests = 0;
    server = createServer((_req, res) => {
      requests++;
      if (body === '') {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/xml' }).end(body);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/da.xml`;
    const scheduler = new VirtualScheduler(Date.UTC(2026, 11, 1, 13));
    const alarms = alarmLog();
    const svc = new MarketPriceService({ energy: energy({ prices: { url, refreshMinutes: 180 } }), baseDir: '/nonexistent', scheduler, tz, alarms });
    svc.start();
    await svc.refresh();
    assert.equal(requests, 1);
    assert.equal(svc.series(t0, 4, 15).importPrice[0], 0.09);
    // 3 h later the scheduled refresh asks again: the service fails
    body = '';
    scheduler.advance(180 * 60_000);
    await svc.refresh();
    assert.equal(requests, 2);
    assert.match(alarms.log.at(-1)?.text ?? '', /answered HTTP 503.*the prices it sent before stay in use/);
    assert.equal(svc.series(t0, 4, 15).importPrice[0], 0.09);
    // then it answers a document with a bad point: refused with its line
    body = entsoeDoc({ ...DAY, resolution: 'PT60M', points: hourly(90).map((p, i) => (i === 0 ? ([1, 'x'] as [number, string]) : p)) });
    scheduler.advance(180 * 60_000);
    await svc.refresh();
    assert.match(alarms.log.at(-1)?.text ?? '', /da\.xml:28: <Point><price\.amount>: "x" is not a price/);
    svc.stop();
  });
});
