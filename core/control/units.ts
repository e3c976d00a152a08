/** Units a setpoint may be entered in, converted to the point's unit. */
const FACTORS: Record<string, { base: string; factor: number }> = {
  W: { base: 'W', factor: 1 },
  kW: { base: 'W', factor: 1e3 },
  MW: { base: 'W', factor: 1e6 },
  var: { base: 'var', factor: 1 },
  kvar: { base: 'var', factor: 1e3 },
  Mvar: { base: 'var', factor: 1e6 },
  Wh: { base: 'Wh', factor: 1 },
  kWh: { base: 'Wh', factor: 1e3 },
  MWh: { base: 'Wh', factor: 1e6 },
  V: { base: 'V', factor: 1 },
  kV: { base: 'V', factor: 1e3 },
  A: { base: 'A', factor: 1 },
  '%': { base: '%', factor: 1 },
  Hz: { base: 'Hz', factor: 1 },
};

/** Converts `value` from `from` to `to`; null when the units are not compatible. */
export function convertUnit(value: number, from: string, to: string): number | null {
  if (from === to) return value;
  const a = FACTORS[from];
  const b = FACTORS[to];
  if (!a || !b || a.base !== b.base) return null;
  return (value * a.factor) / b.factor;
}
