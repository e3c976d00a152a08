/**
 * Display downsampling. `lttb`: Largest-Triangle-Three-Buckets (Steinarsson 2013), keeps the
 * visual shape in `threshold` points. `minMaxPerPixel`: the min and the max of every pixel
 * column, in time order (what a line chart would draw anyway), 2 points per pixel.
 */
export interface XY {
  t: Float64Array | number[];
  v: Float64Array | number[];
}

export function lttb(t: ArrayLike<number>, v: ArrayLike<number>, threshold: number): { t: number[]; v: number[] } {
  const n = t.length;
  if (threshold >= n || threshold < 3) return { t: Array.from(t), v: Array.from(v) };
  const ot: number[] = [t[0] as number];
  const ov: number[] = [v[0] as number];
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  for (let i = 0; i < threshold - 2; i++) {
    // average of the next bucket
    let avgStart = Math.floor((i + 1) * every) + 1;
    let avgEnd = Math.min(n, Math.floor((i + 2) * every) + 1);
    let avgT = 0;
    let avgV = 0;
    let cnt = 0;
    for (; avgStart < avgEnd; avgStart++) {
      const y = v[avgStart] as number;
      if (Number.isNaN(y)) continue;
      avgT += t[avgStart] as number;
      avgV += y;
      cnt++;
    }
    if (cnt > 0) {
      avgT /= cnt;
      avgV /= cnt;
    } else {
      avgEnd = Math.min(n - 1, avgEnd);
      avgT = t[avgEnd] as number;
      avgV = v[avgEnd] as number;
    }
    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    const at = t[a] as number;
    const av = v[a] as number;
    let maxArea = -1;
    let next = start;
    for (let j = start; j < end; j++) {
      const y = v[j] as number;
      if (Number.isNaN(y)) continue;
      const area = Math.abs((at - avgT) * (y - av) - (at - (t[j] as number)) * (avgV - av));
      if (area > maxArea) {
        maxArea = area;
        next = j;
      }
    }
    ot.push(t[next] as number);
    ov.push(v[next] as number);
    a = next;
  }
  ot.push(t[n - 1] as number);
  ov.push(v[n - 1] as number);
  return { t: ot, v: ov };
}

/** Min and max per pixel column of width (to - from) / pixels, in time order. */
export function minMaxPerPixel(t: ArrayLike<number>, v: ArrayLike<number>, from: number, to: number, pixels: number): { t: number[]; v: number[] } {
  const width = Math.max(1, (to - from + 1) / pixels);
  const ot: number[] = [];
  const ov: number[] = [];
  let px = -1;
  let minV = 0;
  let maxV = 0;
  let minT = 0;
  let maxT = 0;
  const emit = (): void => {
    if (px < 0) return;
    if (minT === maxT) {
      ot.push(minT);
      ov.push(minV);
    } else if (minT < maxT) {
      ot.push(minT, maxT);
      ov.push(minV, maxV);
    } else {
      ot.push(maxT, minT);
      ov.push(maxV, minV);
    }
  };
  for (let i = 0; i < t.length; i++) {
    const x = t[i] as number;
    const y = v[i] as number;
    if (Number.isNaN(y)) continue;
    const p = Math.floor((x - from) / width);
    if (p !== px) {
      emit();
      px = p;
      minV = maxV = y;
      minT = maxT = x;
    } else {
      if (y < minV) {
        minV = y;
        minT = x;
      }
      if (y > maxV) {
        maxV = y;
        maxT = x;
      }
    }
  }
  emit();
  return { t: ot, v: ov };
}
