/**
 * Day-ahead prices from a CSV file, one row per market interval:
 *
 *     start,end,price_eur_per_mwh
 *     2026-12-02T00:00+01:00,2026-12-02T01:00+01:00,85.10
 *
 * - `start` (and `end`, optional): ISO 8601 with the UTC offset or Z, so the repeated hour of
 *   a daylight-saving change is never ambiguous. Without `end`, a row lasts until the next
 *   row's start (the last row as long as the one before it).
 * - the price column names its currency and unit: `price_<currency>_per_mwh` or `_per_kwh`.
 * - separator `,` or `;` (with `;`, a decimal comma is accepted); `#` comment and blank lines
 *   are skipped.
 * Anything else is refused with the file, the line and the column.
 */
import { PriceFileError, type PriceCurve, type PriceInterval } from './curve';

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?(\.\d+)?(Z|[+-]\d\d:?\d\d)$/;

export function parseCsvPrices(text: string, file: string): PriceCurve {
  const rows = text.split(/\r?\n/).map((l, i) => ({ line: i + 1, text: l.trim() })).filter((r) => r.text !== '' && !r.text.startsWith('#'));
  const head = rows.shift();
  if (!head) throw new PriceFileError(file, undefined, 'header', 'the file is empty');
  const sep = head.text.includes(';') ? ';' : ',';
  const cols = head.text.split(sep).map((c) => c.trim().toLowerCase().replace(/^"|"$/g, ''));
  const iStart = cols.indexOf('start');
  const iEnd = cols.indexOf('end');
  const iPrice = cols.findIndex((c) => /^price_[a-z]{3}_per_(mwh|kwh)$/.test(c));
  if (iStart < 0) throw new PriceFileError(file, head.line, 'header', `no "start" column (columns: ${cols.join(', ')})`);
  if (iPrice < 0) throw new PriceFileError(file, head.line, 'header', `no price column: name it price_<currency>_per_mwh or price_<currency>_per_kwh, e.g. price_eur_per_mwh`);
  const priceCol = cols[iPrice] as string;
  const currency = priceCol.slice(6, 9).toUpperCase();
  const divisor = priceCol.endsWith('mwh') ? 1000 : 1;
  const time = (raw: string | undefined, line: number, col: string): number => {
    const s = (raw ?? '').trim().replace(/^"|"$/g, '');
    if (!TIME.test(s)) throw new PriceFileError(file, line, `column ${col}`, `"${s}" is not a time with its UTC offset, such as 2026-12-02T00:00+01:00`);
    return Date.parse(s);
  };
  const parsed = rows.map((r) => {
    const f = r.text.split(sep);
    if (f.length !== cols.length) throw new PriceFileError(file, r.line, 'row', `${f.length} fields for ${cols.length} columns`);
    const start = time(f[iStart], r.line, 'start');
    const end = iEnd >= 0 ? time(f[iEnd], r.line, 'end') : undefined;
    let raw = (f[iPrice] ?? '').trim().replace(/^"|"$/g, '');
    if (sep === ';') raw = raw.replace(',', '.');
    const price = raw === '' ? Number.NaN : Number(raw);
    if (!Number.isFinite(price)) throw new PriceFileError(file, r.line, `column ${priceCol}`, `"${raw}" is not a number`);
    return { line: r.line, start, end, price };
  });
  if (parsed.length === 0) throw new PriceFileError(file, head.line, 'header', 'no rows after the header');
  const intervals: PriceInterval[] = [];
  parsed.forEach((p, i) => {
    const next = parsed[i + 1];
    const prev = intervals[i - 1];
    const end = p.end ?? next?.start ?? (prev ? p.start + (prev.end - prev.start) : undefined);
    if (end === undefined) throw new PriceFileError(file, p.line, 'column end', 'a single row needs an end time');
    if (end <= p.start) throw new PriceFileError(file, p.line, p.end !== undefined ? 'column end' : 'column start', `the interval from ${new Date(p.start).toISOString()} does not end after it starts`);
    if ((end - p.start) % (5 * 60_000) !== 0 || end - p.start > 86_400_000) throw new PriceFileError(file, p.line, 'column end', `an interval of ${(end - p.start) / 60_000} minutes is not a market interval (5 min to a day)`);
    if (prev && p.start < prev.end) throw new PriceFileError(file, p.line, 'column start', `${new Date(p.start).toISOString()} overlaps the row before (rows must be in time order, without repeats)`);
    intervals.push({ start: p.start, end, pricePerKwh: p.price / divisor });
  });
  return { source: file, currency, intervals };
}
