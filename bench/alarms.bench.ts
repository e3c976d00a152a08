/**
 * Alarm engine benchmarks (issue #4):
 *  1. evaluation throughput: point updates per second through 10,000 alarm definitions, against
 *     the same updates through the engine with no alarms defined (the floor);
 *  2. a flood of 10,000 alarms within one second into the SQLite journal: nothing lost, and the
 *     longest main-thread slice (engine batch or journal write) against writing one batch's rows
 *     the naive way (one autocommit INSERT per row, inline);
 *  3. total journal write time of the flood, batched transactions vs. row-per-insert.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AlarmEngine } from '../core/alarms/engine';
import type { AlarmJournal, JournalStats } from '../core/alarms/journal';
import { SqliteAlarmJournal } from '../core/alarms/sqlite-journal';
import type { AlarmDefinitionInput, AlarmHistoryQuery, AlarmJournalEntry } from '../core/common/alarms';
import type { PointSample } from '../core/common/bridge';
import { percentile, type BenchResult, type BenchSuite } from './lib';

/** counts entries and drops them: the evaluation benchmark measures the engine, not the disk */
class CountingJournal implements AlarmJournal {
  n = 0;
  append(entries: readonly AlarmJournalEntry[]): void {
    this.n += entries.length;
  }
  flush(): void {}
  query(_q: AlarmHistoryQuery) {
    return { entries: [] };
  }
  iterate(): Iterable<AlarmJournalEntry> {
    return [];
  }
  count(): number {
    return this.n;
  }
  stats(): JournalStats {
    return { appended: this.n, written: this.n, pending: 0, flushes: 0, lastFlushMs: 0, maxFlushMs: 0, totalFlushMs: 0 };
  }
  close(): void {}
}

const POINTS = 5000;
const BATCH = 1000;
const GOOD = { level: 'good' as const };

/** 10,000 definitions over 5,000 points: H+L limits, state, rate, deviation, quality, expressions */
function definitions(): AlarmDefinitionInput[] {
  const defs: AlarmDefinitionInput[] = [];
  const PRI = ['critical', 'high', 'medium', 'low'] as const;
  const common = (id: string) => ({ id, message: `alarm ${id}`, priority: PRI[defs.length % 4] ?? 'low' });
  for (let p = 0; p < POINTS; p++) {
    const pt = `a${p % 250}/P${p}`;
    switch (p % 10) {
      case 0:
        defs.push({ ...common(`s${p}`), type: 'state', point: pt, alarmValues: [3] });
        defs.push({ ...common(`q${p}`), type: 'quality', point: pt });
        break;
      case 1:
        defs.push({ ...common(`r${p}`), type: 'rate', point: pt, ratePerMin: 500, windowMs: 10_000 });
        defs.push({ ...common(`h${p}`), type: 'limit', point: pt, level: 'H', setpoint: 85, deadband: 2, onDelayMs: 2000 });
        break;
      case 2:
        defs.push({ ...common(`d${p}`), type: 'deviation', point: pt, setpoint: 50, maxDeviation: 45 });
        defs.push({ ...common(`e${p}`), type: 'expression', expr: `${pt} > 80 and a${(p + 1) % 250}/P${p + 1} < 20` });
        break;
      default:
        defs.push({ ...common(`h${p}`), type: 'limit', point: pt, level: 'H', setpoint: 85, deadband: 2 });
        defs.push({ ...common(`l${p}`), type: 'limit', point: pt, level: 'L', setpoint: 15, deadband: 2, offDelayMs: 1000 });
    }
  }
  return defs;
}

/** deterministic batches: values wander 0..100, so some alarms come and go */
function batches(n: number, t0: number): PointSample[][] {
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const vals = new Float64Array(POINTS).fill(50);
  const out: PointSample[][] = [];
  for (let b = 0; b < n; b++) {
    const batch: PointSample[] = [];
    for (let k = 0; k < BATCH; k++) {
      const p = Math.floor(rnd() * POINTS);
      vals[p] = Math.min(100, Math.max(0, (vals[p] as number) + (rnd() - 0.5) * 30));
      const q = rnd() < 0.001 ? { level: 'bad' as const, reason: 'comm-fail' as const } : GOOD;
      batch.push({ id: `a${p % 250}/P${p}`, value: Math.round(vals[p] as number), quality: q, ts: t0 + b * 100 });
    }
    out.push(batch);
  }
  return out;
}

function throughput(engine: AlarmEngine, data: PointSample[][], clock: { t: number }, batchMs: number[] = []): number {
  const t0 = performance.now();
  let n = 0;
  for (let b = 0; b < data.length; b++) {
    const batch = data[b] as PointSample[];
    clock.t = (batch[0] as PointSample).ts;
    const s = performance.now();
    engine.processBatch(batch);
    if (b % 10 === 0) engine.tick(clock.t);
    batchMs.push(performance.now() - s);
    n += batch.length;
  }
  return n / ((performance.now() - t0) / 1000);
}

async function evaluationBench(): Promise<BenchResult> {
  const t0 = Date.UTC(2025, 0, 1);
  const data = batches(400, t0); // 400,000 updates
  const defs = definitions();
  const run = (withDefs: boolean) => {
    const clock = { t: t0 };
    const journal = new CountingJournal();
    const engine = new AlarmEngine({ journal, now: () => clock.t, config: { definitions: withDefs ? defs : [] } });
    throughput(engine, data.slice(0, 50), clock); // warm-up
    const evals0 = engine.stats().evaluations;
    const j0 = journal.n;
    const batchMs: number[] = [];
    // best of three passes (the machine is shared); batch times from all passes
    let rate = 0;
    for (let pass = 0; pass < 3; pass++) rate = Math.max(rate, throughput(engine, data, clock, batchMs));
    return {
      rate,
      journal: journal.n - j0,
      defs: engine.stats().definitions,
      evals: engine.stats().evaluations - evals0,
      p99: percentile(batchMs, 99),
      max: Math.max(...batchMs),
    };
  };
  const floor = run(false);
  const full = run(true);
  return {
    name: 'alarm evaluation, 10,000 definitions',
    value: full.rate,
    unit: 'updates/s',
    baselineName: 'same engine, no definitions (floor)',
    baselineValue: floor.rate,
    better: 'higher-is-better',
    note: `${full.defs} definitions on ${POINTS} points; best of 3 passes of ${data.length} batches of ${BATCH} updates; ${full.evals.toLocaleString('en-US')} evaluations and ${full.journal.toLocaleString("en-US")} journal entries over the 3 passes (heavy churn); batch of ${BATCH}: p99 ${full.p99.toFixed(2)} ms, max ${full.max.toFixed(2)} ms; ${(1e6 / full.rate).toFixed(2)} us per update`,
  };
}

async function floodBench(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'esm-alarm-bench-'));
  try {
    const defs: AlarmDefinitionInput[] = [];
    for (let k = 0; k < 10_000; k++)
      defs.push({ id: `f${k}`, type: 'limit', point: `a${k % 100}/P${k}`, level: 'H', setpoint: 1, priority: 'high', message: `flood alarm ${k}` });
    const journal = new SqliteAlarmJournal({ path: join(dir, 'flood.db'), chunkRows: 1000 });
    let t = Date.UTC(2025, 0, 1);
    const engine = new AlarmEngine({ journal, now: () => t, config: { definitions: defs } });
    let events = 0;
    engine.on('alarms.changed', (e) => (events += e.changes.length));
    // 10 CVT flushes of 1000 alarms, 100 ms apart in real time: one second
    const batchMs: number[] = [];
    const wall0 = performance.now();
    for (let b = 0; b < 10; b++) {
      const batch: PointSample[] = [];
      for (let k = b * 1000; k < (b + 1) * 1000; k++) batch.push({ id: `a${k % 100}/P${k}`, value: 2, quality: GOOD, ts: t });
      const s = performance.now();
      engine.processBatch(batch);
      batchMs.push(performance.now() - s);
      await new Promise((r) => setTimeout(r, 100));
      t += 100;
    }
    while (journal.stats().pending > 0) await new Promise((r) => setImmediate(r));
    const wall = performance.now() - wall0;
    const st = journal.stats();
    const activations = journal.count({ events: ['activate'] });
    journal.close();
    if (activations !== 10_000 || st.written !== st.appended) throw new Error(`journal lost entries: ${activations} activations, ${st.written}/${st.appended} written`);

    // baseline: the same rows written naively, one autocommit INSERT per row
    const naive = new Database(join(dir, 'naive.db'));
    naive.pragma('journal_mode = WAL');
    naive.pragma('synchronous = NORMAL');
    naive.exec('CREATE TABLE j (seq INTEGER PRIMARY KEY, ts INTEGER, alarm_id TEXT, event TEXT, from_state TEXT, to_state TEXT, priority TEXT, class TEXT, asset TEXT, user TEXT, message TEXT, value TEXT, text TEXT)');
    const ins = naive.prepare('INSERT INTO j VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)');
    const perBatchNaive: number[] = [];
    let naiveTotal = 0;
    for (let b = 0; b < 10; b++) {
      const s = performance.now();
      for (let k = b * 1000; k < (b + 1) * 1000; k++)
        ins.run(k + 1, t, `f${k}`, 'activate', 'normal', 'unack-active', 'high', 'process', `a${k % 100}`, null, `flood alarm ${k}`, '2', null);
      const ms = performance.now() - s;
      perBatchNaive.push(ms);
      naiveTotal += ms;
    }
    naive.close();
    const maxSlice = Math.max(...batchMs, st.maxFlushMs);
    return [
      {
        name: 'flood 10,000 alarms/1 s: longest main-thread slice',
        value: maxSlice,
        unit: 'ms',
        baselineName: 'one batch journaled inline, row-per-insert autocommit',
        baselineValue: Math.max(...perBatchNaive),
        better: 'lower-is-better',
        target: '< 50 ms (UI stays responsive)',
        note: `nothing lost: ${activations}/10000 activations, ${st.written}/${st.appended} entries written in ${st.flushes} transactions; engine batch p50 ${percentile(batchMs, 50).toFixed(1)} ms, max ${Math.max(...batchMs).toFixed(1)} ms; longest journal transaction ${st.maxFlushMs.toFixed(1)} ms; ${events} alarm changes emitted; wall ${wall.toFixed(0)} ms`,
      },
      {
        name: 'flood 10,000 alarms: journal write time',
        value: st.totalFlushMs,
        unit: 'ms',
        baselineName: 'row-per-insert autocommit',
        baselineValue: naiveTotal,
        better: 'lower-is-better',
        note: 'SQLite WAL, synchronous=NORMAL, transactions of 1000 rows',
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const suite: BenchSuite = {
  id: 'alarms',
  title: 'Alarm engine',
  async run() {
    const out: BenchResult[] = [await evaluationBench()];
    out.push(...(await floodBench()));
    return out;
  },
};
