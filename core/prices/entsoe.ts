/**
 * Day-ahead prices from the ENTSO-E Transparency Platform's publication document
 * (`Publication_MarketDocument`, document type A44 "price document", IEC 62325-451-3), as the
 * platform's API and its file downloads deliver it.
 *
 * What is read: per `TimeSeries` the currency (`currency_Unit.name`) and the unit
 * (`price_Measure_Unit.name`, MWH), the curve type (`curveType`: A01 sequential fixed-size
 * blocks, every position present; A03 variable-sized blocks, an omitted position repeats the
 * previous price), and per `Period` its `timeInterval` (UTC), `resolution` (PT15M, PT30M,
 * PT60M) and `Point`s (`position` from 1, `price.amount`). Anything else is refused with the
 * file, the line and the element, in a sentence; nothing unchecked reaches the plan.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { PriceFileError, type PriceCurve, type PriceInterval } from './curve';
import { XmlLines } from './xmlLines';

type Node = Record<string, unknown>;

const RESOLUTIONS: Record<string, number> = { PT15M: 15, PT30M: 30, PT60M: 60, PT1H: 60 };

const text = (v: unknown): string | undefined => {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number') return String(v);
  if (v && typeof v === 'object' && '#text' in v) return text((v as Node)['#text']);
  return undefined;
};

/** ENTSO-E writes UTC minutes without seconds ("2026-12-01T23:00Z"). */
function utc(s: string | undefined): number {
  if (s === undefined || !/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?Z$/.test(s)) return Number.NaN;
  return Date.parse(s);
}

export interface EntsoeOptions {
  /** the bidding zone's EIC code: needed when a document holds several */
  area?: string | undefined;
}

export function parseEntsoe(xml: string, file: string, opts: EntsoeOptions = {}): PriceCurve {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new PriceFileError(file, valid.err.line, 'XML', `${valid.err.msg} (column ${valid.err.col})`);
  const lines = new XmlLines(xml);
  const parser = new XMLParser({
    ignoreAttributes: true,
    removeNSPrefix: true,
    parseTagValue: false,
    isArray: (name) => name === 'TimeSeries' || name === 'Period' || name === 'Point',
  });
  const doc = parser.parse(xml) as Node;
  if (doc.Acknowledgement_MarketDocument) {
    const reason = text(((doc.Acknowledgement_MarketDocument as Node).Reason as Node | undefined)?.text);
    throw new PriceFileError(file, lines.nth('Acknowledgement_MarketDocument', 0), 'Acknowledgement_MarketDocument', `the platform sent no prices${reason ? `: ${reason}` : ''}`);
  }
  const root = doc.Publication_MarketDocument as Node | undefined;
  if (!root) {
    const first = Object.keys(doc).find((k) => k !== '?xml');
    throw new PriceFileError(file, first ? lines.nth(first, 0) : 1, first ? `<${first}>` : 'document', 'not an ENTSO-E Publication_MarketDocument');
  }
  const rootLine = lines.nth('Publication_MarketDocument', 0);
  const type = text(root.type);
  if (type !== 'A44') throw new PriceFileError(file, lines.after(rootLine, 'type'), '<type>', `document type "${type ?? ''}" is not A44 (day-ahead prices)`);

  let series = (root.TimeSeries as Node[] | undefined) ?? [];
  if (series.length === 0) throw new PriceFileError(file, rootLine, '<Publication_MarketDocument>', 'no TimeSeries: the document holds no prices');
  // the n-th TimeSeries / Period / Point in document order, for line numbers
  const index = new Map<Node, number>();
  let nP = 0;
  let nPt = 0;
  series.forEach((ts, i) => {
    index.set(ts, i);
    for (const p of (ts.Period as Node[] | undefined) ?? []) {
      index.set(p, nP++);
      for (const pt of (p.Point as Node[] | undefined) ?? []) index.set(pt, nPt++);
    }
  });
  const zones = [...new Set(series.map((ts) => text(ts['in_Domain.mRID'])))];
  if (opts.area !== undefined) {
    series = series.filter((ts) => text(ts['in_Domain.mRID']) === opts.area);
    if (series.length === 0) throw new PriceFileError(file, rootLine, '<in_Domain.mRID>', `no TimeSeries for bidding zone ${opts.area} (the document has ${zones.join(', ')})`);
  } else if (zones.length > 1) {
    throw new PriceFileError(file, rootLine, '<in_Domain.mRID>', `the document holds several bidding zones (${zones.join(', ')}): set energy.prices.area to one of them`);
  }

  const intervals: PriceInterval[] = [];
  let currency = '';
  for (const ts of series) {
    const tsLine = lines.nth('TimeSeries', index.get(ts) ?? 0);
    const cur = text(ts['currency_Unit.name']);
    if (!cur || !/^[A-Z]{3}$/.test(cur)) throw new PriceFileError(file, lines.after(tsLine, 'currency_Unit.name'), '<currency_Unit.name>', `"${cur ?? ''}" is not a currency code`);
    if (currency && cur !== currency) throw new PriceFileError(file, lines.after(tsLine, 'currency_Unit.name'), '<currency_Unit.name>', `${cur} differs from ${currency} in an earlier TimeSeries`);
    currency = cur;
    const unit = text(ts['price_Measure_Unit.name']);
    if (unit !== 'MWH') throw new PriceFileError(file, lines.after(tsLine, 'price_Measure_Unit.name'), '<price_Measure_Unit.name>', `prices per "${unit ?? ''}" are not understood: MWH is expected`);
    const curve = text(ts.curveType) ?? 'A01';
    if (curve !== 'A01' && curve !== 'A03') throw new PriceFileError(file, lines.after(tsLine, 'curveType'), '<curveType>', `curve type "${curve}" is not A01 (fixed blocks) or A03 (variable blocks)`);
    const periods = (ts.Period as Node[] | undefined) ?? [];
    if (periods.length === 0) throw new PriceFileError(file, tsLine, '<TimeSeries>', 'no Period');
    for (const p of periods) {
      const pLine = lines.nth('Period', index.get(p) ?? 0);
      const ti = (p.timeInterval as Node | undefined) ?? {};
      const start = utc(text(ti.start));
      const end = utc(text(ti.end));
      if (!Number.isFinite(start)) throw new PriceFileError(file, lines.after(pLine, 'start'), '<Period><timeInterval><start>', `"${text(ti.start) ?? ''}" is not a UTC time such as 2026-12-01T23:00Z`);
      if (!Number.isFinite(end) || end <= start) throw new PriceFileError(file, lines.after(pLine, 'end'), '<Period><timeInterval><end>', `"${text(ti.end) ?? ''}" is not a UTC time after the start`);
      const res = text(p.resolution) ?? '';
      const minutes = RESOLUTIONS[res];
      if (minutes === undefined) throw new PriceFileError(file, lines.after(pLine, 'resolution'), '<resolution>', `resolution "${res}" is not PT15M, PT30M or PT60M`);
      const stepMs = minutes * 60_000;
      const count = (end - start) / stepMs;
      if (!Number.isInteger(count)) throw new PriceFileError(file, lines.after(pLine, 'resolution'), '<resolution>', `the period of ${(end - start) / 60_000} minutes is not a whole number of ${res} steps`);
      const prices = new Array<number | undefined>(count).fill(undefined);
      let last = 0;
      for (const pt of (p.Point as Node[] | undefined) ?? []) {
        const ptLine = lines.nth('Point', index.get(pt) ?? 0);
        const posText = text(pt.position);
        const pos = Number(posText);
        if (posText === undefined || !Number.isInteger(pos) || pos < 1 || pos > count)
          throw new PriceFileError(file, lines.after(ptLine, 'position'), '<Point><position>', `"${posText ?? ''}" is not a position from 1 to ${count} (${count} steps of ${res})`);
        if (pos <= last) throw new PriceFileError(file, lines.after(ptLine, 'position'), '<Point><position>', `position ${pos} does not follow position ${last}`);
        const amountText = text(pt['price.amount']);
        const amount = amountText === undefined || amountText === '' ? Number.NaN : Number(amountText);
        if (!Number.isFinite(amount)) throw new PriceFileError(file, lines.after(ptLine, 'price.amount'), '<Point><price.amount>', `"${amountText ?? ''}" is not a price`);
        if (Math.abs(amount) > 20_000) throw new PriceFileError(file, lines.after(ptLine, 'price.amount'), '<Point><price.amount>', `${amount} ${cur}/MWh is outside the market's limits (±20,000)`);
        if (curve === 'A01' && pos !== last + 1) throw new PriceFileError(file, lines.after(ptLine, 'position'), '<Point><position>', `position ${last + 1} is missing (curve type A01 lists every position)`);
        prices[pos - 1] = amount;
        last = pos;
      }
      if (prices[0] === undefined) throw new PriceFileError(file, pLine, '<Period>', 'no Point at position 1');
      if (curve === 'A01' && last !== count) throw new PriceFileError(file, pLine, '<Period>', `${last} of ${count} positions (curve type A01 lists every position)`);
      // A03: an omitted position repeats the previous price
      let prev = prices[0];
      for (let k = 0; k < count; k++) {
        const v = prices[k] ?? prev;
        prev = v;
        intervals.push({ start: start + k * stepMs, end: start + (k + 1) * stepMs, pricePerKwh: v / 1000 });
      }
    }
  }
  intervals.sort((a, b) => a.start - b.start);
  for (let i = 1; i < intervals.length; i++)
    if ((intervals[i] as PriceInterval).start < (intervals[i - 1] as PriceInterval).end)
      throw new PriceFileError(file, rootLine, '<Period>', `two periods overlap at ${new Date((intervals[i] as PriceInterval).start).toISOString()}`);
  return { source: file, currency, intervals };
}
