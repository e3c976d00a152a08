/**
 * End-to-end latency (issues #2, #17): from a register change in a Modbus TCP server to the new
 * value in the operator page's DOM, with 1,000 and 10,000 points changing every second.
 *
 * The headline is the pipeline's own share: poll response → value in the DOM (decode, CVT,
 * batching, WebSocket, renderer), against the CVT's flush interval (target: p99 at most 1.5x).
 * The register → DOM figures include the wait for the next poll, which depends on when a
 * change falls in the poll period; so the changes are spread uniformly over the poll period:
 * the registers are split into GROUPS groups and one group changes every POLL_MS / GROUPS ms,
 * each group with its own counter. A run is long enough for a real p99 (the number of
 * independent changes is printed with each figure).
 *
 * Set-up: the Modbus servers run in this process; the app runs as a child process in browser
 * mode with a generated site (no simulator); Debian's Chromium shows the Points page.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { ModbusProfile, PointUpdate } from '../core/common';
import { ModbusProfileServer } from '../drivers/modbus/server';
import { bootstrapUsers } from '../test/support/auth';
import { startAppProcess } from '../test/support/app-process';
import { launchChromium } from '../test/support/browser';
import { percentile, type BenchResult, type BenchSuite } from './lib';

const POLL_MS = 1000;
const PER_DEVICE = 2000;
const WARMUP_MS = 6000;
const MEASURE_MS = Number(process.env.ESM_BENCH_LATENCY_MS ?? 60_000);
/** the registers change in this many groups, one group every POLL_MS / GROUPS ms */
const GROUPS = 20;
/** a group's values are g * SPAN + 1 … g * SPAN + SPAN (uint16), so a value names its group */
const SPAN = 3000;
/** the CVT's flush interval (core/cvt): the pipeline's target is p99 <= 1.5x this */
const CVT_FLUSH_MS = 100;

function profile(n: number): ModbusProfile {
  return {
    id: `bench-bulk-${n}`,
    vendor: 'ES Manager bench',
    model: `${n} holding registers`,
    protocol: 'modbus',
    wordOrder: 'BE',
    byteOrder: 'BE',
    maxBlock: 125,
    maxGap: 8,
    registers: Array.from({ length: n }, (_, i) => ({
      channel: `P${String(i).padStart(5, '0')}`,
      table: 'holding' as const,
      address: i,
      type: 'uint16' as const,
      scale: 1,
      offset: 0,
      unit: '',
      access: 'ro' as const,
    })),
  };
}

async function runCase(points: number): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'esm-bench-lat-'));
  const devices = Math.ceil(points / PER_DEVICE);
  const per = Math.ceil(points / devices);
  const prof = profile(per);
  mkdirSync(join(dir, 'profiles'));
  writeFileSync(join(dir, 'profiles', 'bulk.yaml'), stringify(prof));
  // the PCC meter (a Meter must serve ActivePower): one register on a server of its own
  const meterProf: ModbusProfile = { ...profile(0), id: 'bench-meter', model: 'PCC meter', registers: [{ channel: 'ActivePower', table: 'holding', address: 0, type: 'uint16', scale: 1, offset: 0, unit: 'kW', access: 'ro' }] };
  writeFileSync(join(dir, 'profiles', 'meter.yaml'), stringify(meterProf));
  const meter = new ModbusProfileServer(meterProf, { host: '127.0.0.1', port: 0, unitId: 1 });
  const meterPort = await meter.start();
  const servers: ModbusProfileServer[] = [];
  const ports: number[] = [];
  for (let d = 0; d < devices; d++) {
    const s = new ModbusProfileServer(prof, { host: '127.0.0.1', port: 0, unitId: 1 });
    ports.push(await s.start());
    servers.push(s);
  }
  writeFileSync(
    join(dir, 'site.yaml'),
    stringify({
      site: { id: 'bench', name: `Latency bench ${points} points`, gridType: 'power-plant', timezone: 'UTC', location: { latitude: 0, longitude: 0 }, pcc: { meter: 'pcc', contractedPowerKw: 100 } },
      assets: [
        { id: 'pcc', name: 'PCC', kind: 'smart-meter', nature: 'Meter', role: 'pcc' },
        ...ports.map((_, d) => ({ id: `rtu${d}`, name: `RTU ${d}`, kind: 'ied', nature: 'Controller' })),
      ],
      devices: [{ id: 'meter', name: 'PCC meter', protocol: 'modbus-tcp', connection: { host: '127.0.0.1', port: meterPort, unitId: 1 }, profile: meterProf.id, asset: 'pcc', pollMs: POLL_MS, timeoutMs: 2000 }, ...ports.map((port, d) => ({ id: `dev${d}`, name: `Device ${d}`, protocol: 'modbus-tcp', connection: { host: '127.0.0.1', port, unitId: 1 }, profile: prof.id, asset: `rtu${d}`, pollMs: POLL_MS, timeoutMs: 2000 }))],
    }),
  );

  // one group of registers changes every POLL_MS / GROUPS ms, so the changes fall uniformly over
  // the poll period; a register's value says its group and its change; changedAt[v] is when
  const changedAt = new Map<number, number>();
  const counters = new Array<number>(GROUPS).fill(0);
  const groupAddrs = Array.from({ length: GROUPS }, (_, g) => Array.from({ length: Math.ceil((per - g) / GROUPS) }, (_, j) => g + j * GROUPS));
  let changes = 0;
  let next = 0;
  const tick = (): void => {
    const g = next;
    next = (next + 1) % GROUPS;
    counters[g] = ((counters[g] as number) % SPAN) + 1;
    const v = g * SPAN + (counters[g] as number);
    for (const s of servers) for (const a of groupAddrs[g] as number[]) s.setRaw('holding', a, [v]);
    changedAt.set(v, Date.now());
    if (measuring) changes++;
  };
  let measuring = false;
  for (let g = 0; g < GROUPS; g++) tick();
  const ticker = setInterval(tick, POLL_MS / GROUPS);

  const app = await startAppProcess(['--site', join(dir, 'site.yaml'), '--no-sim', '--data-dir', join(dir, 'data')], 60_000);
  const users = await bootstrapUsers(app.url, app.setupToken);
  const wsLat: number[] = [];
  const domLat: number[] = [];
  const pipeLat: number[] = [];
  /** when the bridge received the poll response carrying value k (the sample's source time) */
  const polledAt = new Map<number, number>();
  // one register of every group on every device
  const tracked = new Set(ports.flatMap((_, d) => Array.from({ length: Math.min(GROUPS, per) }, (_, g) => `rtu${d}/P${String(g).padStart(5, '0')}`)));
  await users.admin.listen('points.changed', (data) => {
    if (!measuring) return;
    const now = Date.now();
    for (const u of data as PointUpdate[]) {
      if (!tracked.has(u.id) || typeof u.v !== 'number') continue;
      if (!polledAt.has(u.v) || (polledAt.get(u.v) ?? 0) > u.ts) polledAt.set(u.v, u.ts);
      const t0 = changedAt.get(u.v);
      if (t0 !== undefined) wsLat.push(now - t0);
    }
  });

  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(app.url);
    await page.getByLabel('Username').fill(users.admins.username);
    await page.getByLabel('Password').fill(users.admins.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.goto(`${app.url}#/points`);
    await page.getByTestId('points-filter').waitFor({ timeout: 30_000 });
    await page.waitForSelector('[data-testid^="value-rtu"]', { timeout: 30_000 });
    // record when each visible value cell shows a new number
    // record when each visible value cell shows a new number (runs in the page)
    await page.evaluate(`(() => {
      window.__lat = [];
      new MutationObserver((muts) => {
        const t = Date.now();
        for (const m of muts) {
          const el = m.target.nodeType === 3 ? m.target.parentElement : m.target;
          const cell = el && el.closest ? el.closest('[data-testid^="value-"]') : null;
          if (cell) window.__lat.push([cell.getAttribute('data-testid'), cell.textContent, t]);
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    })()`);
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    await page.evaluate('window.__lat = []');
    measuring = true;
    await new Promise((r) => setTimeout(r, MEASURE_MS));
    measuring = false;
    const seen = (await page.evaluate('window.__lat')) as Array<[string, string, number]>;
    const last = new Map<string, string>();
    for (const [id, text, t] of seen) {
      if (last.get(id) === text) continue;
      last.set(id, text);
      const v = Math.round(Number(text.replace(/[^\d.-]/g, '')));
      const t0 = changedAt.get(v);
      if (t0 !== undefined && t >= t0) domLat.push(t - t0);
      const tp = polledAt.get(v);
      if (tp !== undefined && t >= tp) pipeLat.push(t - tp);
    }
  } finally {
    clearInterval(ticker);
    await browser.close();
    await users.admin.close();
    await app.stop();
    for (const s of servers) await s.stop();
    await meter.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const note = (xs: number[]): string =>
    `${xs.length} samples from ${changes} register changes over ${MEASURE_MS / 1000} s (${GROUPS} groups spread over the poll period); ${devices} devices × ${per} registers, poll ${POLL_MS} ms`;
  const row = (what: string, xs: number[], p: number): BenchResult => ({
    name: `${what} p${p}, ${points.toLocaleString('en-US')} points/s`,
    value: percentile(xs, p),
    unit: 'ms',
    baselineName: 'poll period (floor)',
    baselineValue: POLL_MS,
    better: 'lower-is-better',
    note: note(xs),
  });
  if (domLat.length === 0) throw new Error(`no DOM latency samples for ${points} points: did the page show the values?`);
  if (pipeLat.length === 0) throw new Error(`no pipeline latency samples for ${points} points`);
  const pipe = (p: number): BenchResult => {
    const v = percentile(pipeLat, p);
    return {
      name: `pipeline: poll response → DOM p${p}, ${points.toLocaleString('en-US')} points/s`,
      value: v,
      unit: 'ms',
      baselineName: 'CVT flush interval',
      baselineValue: CVT_FLUSH_MS,
      better: 'lower-is-better',
      ...(p === 99 ? { target: `<= ${1.5 * CVT_FLUSH_MS} ms (1.5x the flush interval)`, met: v <= 1.5 * CVT_FLUSH_MS } : {}),
      note: `the pipeline's own share: decode, CVT, batching, WebSocket, renderer; ${note(pipeLat)}`,
    };
  };
  return [
    pipe(50),
    pipe(99),
    row('register → DOM', domLat, 50),
    row('register → DOM', domLat, 99),
    row('register → WebSocket', wsLat, 50),
    row('register → WebSocket', wsLat, 99),
  ];
}

export const suite: BenchSuite = {
  id: 'latency',
  title: 'End-to-end latency: Modbus register change to the operator page',
  peers: [{ name: "Debian's Chromium", command: '/usr/bin/chromium', versionArgs: ['--version'], debian: ['chromium'] }],
  async run() {
    const sizes = (process.env.ESM_BENCH_LATENCY_POINTS ?? '1000,10000').split(',').map(Number);
    const out: BenchResult[] = [];
    for (const n of sizes) out.push(...(await runCase(n)));
    return out;
  },
};
