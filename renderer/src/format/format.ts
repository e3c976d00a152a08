/**
 * Value formatting for every screen: fixed decimals per unit (numbers never jump width),
 * enum labels, and what to show for a value whose quality is not good. Pure; unit-tested.
 */
import type { PointMeta, PointState, PointValue } from '../../../core/common/point';
import { qualityLabel, type Quality, type QualityLevel } from '../../../core/common/quality';

/** Decimals by engineering unit; anything else gets DEFAULT_DECIMALS. */
export const UNIT_DECIMALS: Readonly<Record<string, number>> = {
  W: 0,
  kW: 1,
  MW: 3,
  kvar: 1,
  kVA: 1,
  Wh: 0,
  kWh: 1,
  MWh: 3,
  '%': 1,
  V: 1,
  A: 1,
  Hz: 2,
  '°C': 1,
  'W/m²': 0,
  ms: 0,
  s: 0,
};

export const DEFAULT_DECIMALS = 2;

/** Shown instead of a value when there is none. */
export const NO_VALUE = '—';

export function decimalsFor(unit: string | undefined, override?: number): number {
  if (override !== undefined) return override;
  if (unit === undefined) return DEFAULT_DECIMALS;
  return UNIT_DECIMALS[unit] ?? DEFAULT_DECIMALS;
}

/** The language of number and date formats ('en' unless the UI language says otherwise). */
let formatLocale = 'en';
/** The Intl locale of each UI language: English keeps ISO-like dates (2025-06-01 14:03:07). */
const INTL_LOCALE: Record<string, string> = { en: 'en-CA', es: 'es-ES', it: 'it-IT', pt: 'pt-PT' };

/** Numbers and dates in the formats of `lang` (en, es, it, pt); set by the i18n module. */
export function setFormatLocale(lang: string): void {
  const l = INTL_LOCALE[lang] ? lang : 'en';
  if (l === formatLocale) return;
  formatLocale = l;
  timeFormats.clear();
}

/** The language numbers and dates are formatted in now. */
export function currentFormatLocale(): string {
  return formatLocale;
}

/** Fixed decimals, ASCII minus, no "-0.0", no grouping (values are read and parsed by tests); the decimal comma in es, it, pt. */
export function formatNumber(v: number, decimals: number): string {
  if (Number.isNaN(v)) return NO_VALUE;
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  const s = v.toFixed(decimals);
  // -0.0 -> 0.0
  const t = /^-0(\.0+)?$/.test(s) ? s.slice(1) : s;
  return formatLocale === 'en' ? t : t.replace('.', ',');
}

export type FormatMeta = Pick<PointMeta, 'unit' | 'type' | 'states'>;

/** Text of a value (without unit). Enum-coded points show their state label. */
export function formatValue(value: PointValue | undefined, meta?: Partial<FormatMeta>, decimals?: number): string {
  if (value === null || value === undefined) return NO_VALUE;
  if (meta?.states) {
    const label = meta.states[String(typeof value === 'number' ? Math.round(value) : value)];
    if (label !== undefined) return label;
  }
  if (typeof value === 'boolean') return value ? 'ON' : 'OFF';
  if (typeof value === 'number') return formatNumber(value, decimalsFor(meta?.unit, decimals));
  return value;
}

/** "52.3 %", "12.0 kW", "Running" (no unit on enum labels). */
export function formatWithUnit(value: PointValue | undefined, meta?: Partial<FormatMeta>, decimals?: number): string {
  const text = formatValue(value, meta, decimals);
  if (text === NO_VALUE || !meta?.unit || (meta.states && typeof value !== 'boolean')) return text;
  return `${text} ${meta.unit}`;
}

/** A point never received reads as uncertain/initial. */
export const NO_DATA_QUALITY: Quality = Object.freeze({ level: 'uncertain', reason: 'initial' }) as Quality;

export interface ValueView {
  text: string;
  level: QualityLevel;
  /** qualityLabel: "" when good, else COMM, STALE, RANGE, MAN, INIT, DEV, BAD, UNC */
  label: string;
  /** true when the value must not be trusted at a glance (greyed, hatched, labelled) */
  degraded: boolean;
  /**
   * the device still reports the value but it lies past the point's engineering range: it is
   * shown plainly in alarm colour with its RANGE tag beside it, never greyed or hatched (an
   * alarmed value must not get harder to see)
   */
  pastRange: boolean;
}

/** Everything a value cell needs from a point's state. */
export function viewOf(state: PointState | undefined, meta?: Partial<FormatMeta>, decimals?: number): ValueView {
  const q = state?.quality ?? NO_DATA_QUALITY;
  const label = qualityLabel(q);
  const pastRange = q.reason === 'out-of-range' && state !== undefined && state.value !== null;
  return { text: formatValue(state?.value, meta, decimals), level: q.level, label, degraded: q.level !== 'good' && !pastRange, pastRange };
}

/** "0.4 s", "12 s", "3 min", "2 h", "3 d"; negative ages (clock skew) read as 0. */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms)) return NO_VALUE;
  const a = Math.max(0, ms);
  if (a < 10_000) return `${(a / 1000).toFixed(1)} s`;
  if (a < 60_000) return `${Math.floor(a / 1000)} s`;
  if (a < 3_600_000) return `${Math.floor(a / 60_000)} min`;
  if (a < 86_400_000) return `${Math.floor(a / 3_600_000)} h`;
  return `${Math.floor(a / 86_400_000)} d`;
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();

function timeFormat(timeZone: string | undefined, withDate: boolean): Intl.DateTimeFormat {
  const key = `${timeZone ?? ''}|${withDate}`;
  let f = timeFormats.get(key);
  if (!f) {
    const opts: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' };
    if (withDate) Object.assign(opts, { year: 'numeric', month: '2-digit', day: '2-digit' });
    try {
      f = new Intl.DateTimeFormat(INTL_LOCALE[formatLocale], { ...opts, timeZone });
    } catch {
      f = new Intl.DateTimeFormat(INTL_LOCALE[formatLocale], opts); // unknown zone: local time
    }
    timeFormats.set(key, f);
  }
  return f;
}

/** "14:03:07" in the given IANA zone (local when omitted or unknown). */
export function formatTime(ts: number, timeZone?: string): string {
  if (!Number.isFinite(ts) || ts <= 0) return NO_VALUE;
  return timeFormat(timeZone, false).format(ts);
}

/** "2025-06-01 14:03:07" in the given IANA zone ("01/06/2025 14:03:07" in Spanish, Italian, Portuguese). */
export function formatDateTime(ts: number, timeZone?: string): string {
  if (!Number.isFinite(ts) || ts <= 0) return NO_VALUE;
  return timeFormat(timeZone, true).format(ts).replace(',', '');
}

/** Sign conventions (natures.ts) turned into words, with a dead band around zero. */
export function essDirection(kw: number | null | undefined, deadbandKw = 0.05): 'DISCHARGE' | 'CHARGE' | 'IDLE' | '' {
  if (typeof kw !== 'number' || !Number.isFinite(kw)) return '';
  if (kw > deadbandKw) return 'DISCHARGE';
  if (kw < -deadbandKw) return 'CHARGE';
  return 'IDLE';
}

export function gridDirection(kw: number | null | undefined, deadbandKw = 0.05): 'IMPORT' | 'EXPORT' | 'BALANCED' | '' {
  if (typeof kw !== 'number' || !Number.isFinite(kw)) return '';
  if (kw > deadbandKw) return 'IMPORT';
  if (kw < -deadbandKw) return 'EXPORT';
  return 'BALANCED';
}
