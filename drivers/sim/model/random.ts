/**
 * Seeded pseudo-random numbers for the plant model. The model never calls Math.random: given a
 * seed and the same sequence of steps it produces the same plant, which makes tests exact and
 * lets a technician replay a run.
 */

/** 32-bit integer hash of a list of integers (xmur3-like mixing), for independent streams. */
export function hash32(...parts: number[]): number {
  let h = 1779033703 ^ parts.length;
  for (const p of parts) {
    h = Math.imul(h ^ (p | 0), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  h = Math.imul(h ^ (h >>> 16), 2246822507);
  h = Math.imul(h ^ (h >>> 13), 3266489909);
  return (h ^ (h >>> 16)) >>> 0;
}

/** mulberry32: small, fast, good enough for simulation noise. */
export class Rng {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** uniform in [0, 1) */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** uniform in [lo, hi) */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** standard normal (Box-Muller, one value per call) */
  gauss(): number {
    const u = Math.max(this.next(), 1e-12);
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/**
 * First-order autoregressive noise (Ornstein-Uhlenbeck, exact discretisation): a slowly
 * wandering value with standard deviation `sigma` and correlation time `tauS`. Unlike white
 * noise it does not depend on the step size, so a run at speed 60 looks like one at speed 1.
 */
export class SmoothNoise {
  private x = 0;

  constructor(
    private readonly rng: Rng,
    private readonly sigma: number,
    private readonly tauS: number,
  ) {}

  step(dtS: number): number {
    if (this.sigma === 0) return 0;
    const a = Math.exp(-Math.max(dtS, 0) / this.tauS);
    this.x = a * this.x + this.sigma * Math.sqrt(1 - a * a) * this.rng.gauss();
    return this.x;
  }

  get value(): number {
    return this.x;
  }
}

export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Piecewise-linear interpolation in a table of [x, y] rows sorted by x; flat outside. */
export function interpolate(table: ReadonlyArray<readonly [number, number]>, x: number): number {
  const first = table[0];
  if (!first) return 0;
  if (x <= first[0]) return first[1];
  for (let i = 1; i < table.length; i++) {
    const b = table[i];
    const a = table[i - 1];
    if (!a || !b) break;
    if (x <= b[0]) {
      const span = b[0] - a[0];
      return span <= 0 ? b[1] : a[1] + ((b[1] - a[1]) * (x - a[0])) / span;
    }
  }
  const last = table[table.length - 1];
  return last ? last[1] : 0;
}
