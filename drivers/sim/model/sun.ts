/**
 * Sun position and clear-sky irradiance. Solar position after the NOAA "General Solar
 * Position Calculations" (Fourier series for declination and equation of time, accurate to a
 * fraction of a degree); clear-sky beam after Meinel with Kasten-Young air mass.
 */

const DEG = Math.PI / 180;

export interface SunPosition {
  /** solar declination, degrees */
  declinationDeg: number;
  /** hour angle, degrees, negative in the morning, 0 at solar noon */
  hourAngleDeg: number;
  /** elevation above the horizon, degrees (negative at night) */
  elevationDeg: number;
  /** azimuth, degrees clockwise from north (180 = south) */
  azimuthDeg: number;
  /** equation of time, minutes */
  equationOfTimeMin: number;
}

function dayOfYearUtc(d: Date): number {
  const start = Date.UTC(d.getUTCFullYear(), 0, 1);
  return Math.floor((d.getTime() - start) / 86_400_000) + 1;
}

export function sunPosition(utcMs: number, latitudeDeg: number, longitudeDeg: number): SunPosition {
  const d = new Date(utcMs);
  const year = d.getUTCFullYear();
  const daysInYear = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 366 : 365;
  const hour = d.getUTCHours() + d.getUTCMinutes() / 60 + (d.getUTCSeconds() + d.getUTCMilliseconds() / 1000) / 3600;
  // fractional year, radians
  const g = ((2 * Math.PI) / daysInYear) * (dayOfYearUtc(d) - 1 + (hour - 12) / 24);
  const eqTime =
    229.18 *
    (0.000075 + 0.001868 * Math.cos(g) - 0.032077 * Math.sin(g) - 0.014615 * Math.cos(2 * g) - 0.040849 * Math.sin(2 * g));
  const decl =
    0.006918 -
    0.399912 * Math.cos(g) +
    0.070257 * Math.sin(g) -
    0.006758 * Math.cos(2 * g) +
    0.000907 * Math.sin(2 * g) -
    0.002697 * Math.cos(3 * g) +
    0.00148 * Math.sin(3 * g);
  // true solar time, minutes (UTC, so no zone offset)
  const tst = hour * 60 + eqTime + 4 * longitudeDeg;
  let haDeg = tst / 4 - 180;
  haDeg = ((((haDeg + 180) % 360) + 360) % 360) - 180;
  const lat = latitudeDeg * DEG;
  const ha = haDeg * DEG;
  const cosZen = Math.sin(lat) * Math.sin(decl) + Math.cos(lat) * Math.cos(decl) * Math.cos(ha);
  const zen = Math.acos(Math.max(-1, Math.min(1, cosZen)));
  // azimuth from south, positive towards west, then from north
  const azSouth = Math.atan2(Math.sin(ha), Math.cos(ha) * Math.sin(lat) - Math.tan(decl) * Math.cos(lat));
  const azimuthDeg = (((azSouth / DEG + 180) % 360) + 360) % 360;
  return {
    declinationDeg: decl / DEG,
    hourAngleDeg: haDeg,
    elevationDeg: 90 - zen / DEG,
    azimuthDeg,
    equationOfTimeMin: eqTime,
  };
}

export interface ClearSky {
  /** direct normal irradiance, W/m² */
  dni: number;
  /** diffuse horizontal irradiance, W/m² */
  dhi: number;
  /** global horizontal irradiance, W/m² */
  ghi: number;
}

/** Clear-sky irradiance for a sun elevation (Meinel beam, 10 % of beam as sky diffuse). */
export function clearSky(elevationDeg: number): ClearSky {
  if (elevationDeg <= 0) return { dni: 0, dhi: 0, ghi: 0 };
  const zenDeg = 90 - elevationDeg;
  // Kasten-Young air mass
  const am = 1 / (Math.cos(zenDeg * DEG) + 0.50572 * Math.pow(96.07995 - zenDeg, -1.6364));
  const dni = 1353 * Math.pow(0.7, Math.pow(am, 0.678));
  const dhi = 0.1 * dni;
  const ghi = dni * Math.sin(elevationDeg * DEG) + dhi;
  return { dni, dhi, ghi };
}

/** Cosine of the angle of incidence of the beam on a plane with tilt and azimuth (from north). */
export function cosIncidence(sun: SunPosition, tiltDeg: number, planeAzimuthDeg: number): number {
  const zen = (90 - sun.elevationDeg) * DEG;
  const tilt = tiltDeg * DEG;
  return Math.cos(zen) * Math.cos(tilt) + Math.sin(zen) * Math.sin(tilt) * Math.cos((sun.azimuthDeg - planeAzimuthDeg) * DEG);
}

/**
 * Clear-sky plane-of-array irradiance, W/m²: beam × cos(incidence) + isotropic sky diffuse +
 * ground-reflected (albedo 0.2).
 */
export function planeOfArray(sun: SunPosition, tiltDeg: number, planeAzimuthDeg: number): number {
  const sky = clearSky(sun.elevationDeg);
  if (sky.ghi <= 0) return 0;
  const tilt = tiltDeg * DEG;
  const beam = sky.dni * Math.max(0, cosIncidence(sun, tiltDeg, planeAzimuthDeg));
  const diffuse = (sky.dhi * (1 + Math.cos(tilt))) / 2;
  const ground = (0.2 * sky.ghi * (1 - Math.cos(tilt))) / 2;
  return beam + diffuse + ground;
}
