/**
 * PV forecast from the sun's position (suncalc) and the array's parameters in the site file:
 * a clear-sky irradiance (Haurwitz) split into beam and diffuse, transposed to the plane of the
 * array (isotropic sky), times peak power and performance ratio, clipped at the inverter's
 * rating; cloud cover, when a weather forecast gives it, reduces it (Kasten-Czeplak).
 * A correction learned from the historian (`learnCorrection`) scales it to what the site
 * actually produces.
 */
import { createRequire } from 'node:module';

/** suncalc 2 ships ESM with a CommonJS build (`require`); its types are ESM-only, so the one call used is typed here. */
const { getPosition } = createRequire(__filename)('suncalc') as { getPosition(date: Date, lat: number, lng: number): { azimuth: number; altitude: number } };

export interface PvArray {
  peakKwp: number;
  tiltDeg: number;
  /** 180 = south */
  azimuthDeg: number;
  performanceRatio: number;
  /** inverter AC rating: the output is clipped here */
  acLimitKw?: number | undefined;
}

const RAD = Math.PI / 180;

/** Clear-sky global horizontal irradiance, W/m² (Haurwitz 1945), from the solar zenith's cosine. */
export function haurwitzGhi(cosZenith: number): number {
  return cosZenith <= 0 ? 0 : 1098 * cosZenith * Math.exp(-0.057 / cosZenith);
}

/** Plane-of-array irradiance, W/m², at an instant, for a clear sky reduced by cloud cover (0..1). */
export function planeOfArray(ms: number, lat: number, lon: number, a: Pick<PvArray, 'tiltDeg' | 'azimuthDeg'>, cloudCover = 0): number {
  const pos = getPosition(new Date(ms), lat, lon);
  const cosZ = Math.sin(pos.altitude * RAD);
  if (cosZ <= 0.01) return 0;
  const ghi = haurwitzGhi(cosZ) * (1 - 0.75 * Math.pow(Math.min(1, Math.max(0, cloudCover)), 3.4));
  // diffuse share grows with cloud cover (a simple split: 15 % clear, up to 100 % overcast)
  const dhi = ghi * (0.15 + 0.85 * Math.min(1, Math.max(0, cloudCover)));
  const dni = (ghi - dhi) / cosZ;
  const tilt = a.tiltDeg * RAD;
  const sunAz = pos.azimuth * RAD;
  const cosAoi = Math.cos(tilt) * cosZ + Math.sin(tilt) * Math.sqrt(Math.max(0, 1 - cosZ * cosZ)) * Math.cos(sunAz - a.azimuthDeg * RAD);
  const albedo = 0.2;
  return Math.max(0, dni * Math.max(0, cosAoi) + dhi * ((1 + Math.cos(tilt)) / 2) + ghi * albedo * ((1 - Math.cos(tilt)) / 2));
}

/** PV power per step (the mean over each step from 3 samples), kW. */
export function pvForecastKw(a: PvArray, lat: number, lon: number, start: number, steps: number, stepMinutes: number, cloudCover?: readonly number[], correction = 1): number[] {
  const stepMs = stepMinutes * 60_000;
  return Array.from({ length: steps }, (_, t) => {
    let s = 0;
    for (const f of [1 / 6, 1 / 2, 5 / 6]) s += planeOfArray(start + (t + f) * stepMs, lat, lon, a, cloudCover?.[t] ?? 0);
    const kw = ((s / 3) / 1000) * a.peakKwp * a.performanceRatio * correction;
    return Math.round(Math.min(kw, a.acLimitKw ?? Infinity) * 1000) / 1000;
  });
}

/**
 * A correction factor learned from history: the ratio of measured to modelled energy over the
 * steps where the model expects production (≥ 10 % of peak), robust to clipping and outages
 * (the median of daily ratios). Returns 1 when history is too short.
 */
export function learnCorrection(measuredKw: readonly (number | null)[], modelledKw: readonly number[], stepsPerDay: number, peakKw: number): number {
  const ratios: number[] = [];
  for (let d = 0; d * stepsPerDay < modelledKw.length; d++) {
    let m = 0;
    let p = 0;
    for (let t = d * stepsPerDay; t < Math.min(modelledKw.length, (d + 1) * stepsPerDay); t++) {
      const x = measuredKw[t];
      const y = modelledKw[t] ?? 0;
      if (x === null || x === undefined || !Number.isFinite(x) || y < 0.1 * peakKw) continue;
      m += x;
      p += y;
    }
    if (p > 0) ratios.push(m / p);
  }
  if (ratios.length < 2) return 1;
  ratios.sort((a, b) => a - b);
  const median = ratios[Math.floor(ratios.length / 2)] ?? 1;
  return Math.min(1.3, Math.max(0.3, median));
}
