/**
 * Child process of the crash test: records 200 points at 1 s steps as fast as it can, with
 * short flushes, and prints "committed <step>" after each explicit flush. The parent kills it
 * with SIGKILL at a random moment. Values are a pure function of (point, step).
 */
import { Historian } from '../../../core/historian';

export const POINTS = 200;
export const T0 = Date.UTC(2025, 0, 31, 23, 0, 0);
export const valueOf = (p: number, step: number): number => Math.round((Math.sin(step / 300 + p) * 50 + p) * 10) / 10;

async function main(): Promise<void> {
  const dir = process.argv[2] as string;
  const start = Number(process.argv[3] ?? 0);
  const steps = Number(process.argv[4] ?? 1e9);
  const h = new Historian(dir, {
    config: { queryWorkers: 0, flushMs: 60_000, default: { mode: 'all', retentionDays: 36_500 }, chunk: { maxSamples: 512, maxAgeMs: 3_600_000 } },
    maxBuffered: 1e9,
  });
  await h.open();
  const ids = Array.from({ length: POINTS }, (_, p) => `dev${p}/P`);
  for (let step = start; step < start + steps; step++) {
    h.record(ids.map((id, p) => ({ id, value: valueOf(p, step), quality: { level: 'good' as const }, ts: T0 + step * 1000 })));
    if (step % 50 === 49) {
      h.flush();
      process.stdout.write(`committed ${step}\n`);
    }
  }
  await h.close();
  process.stdout.write('closed\n');
}

if (require.main === module) void main();
