/** The demo history's marker file (`<data>/demo-history.json`, written by electron/demo-history.ts), read by the host. */
import { existsSync, readFileSync } from 'node:fs';
import type { SimulatedHistoryView } from '../common/api/contract';

/** The simulated span, or undefined when the file is absent; a damaged file is logged and ignored. */
export function readSimulatedHistory(file: string): SimulatedHistoryView | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<SimulatedHistoryView>;
    if (typeof v.from !== 'number' || typeof v.to !== 'number' || !(v.to > v.from)) throw new Error('from and to must be times, from before to');
    return { from: v.from, to: v.to, days: typeof v.days === 'number' ? v.days : Math.round((v.to - v.from) / 86_400_000), generatedAt: typeof v.generatedAt === 'number' ? v.generatedAt : v.to, truncated: v.truncated === true };
  } catch (e) {
    console.error(`demo history: ${file} is unreadable (${(e as Error).message}); the simulated span is not shown`);
    return undefined;
  }
}
