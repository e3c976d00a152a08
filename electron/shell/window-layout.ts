/**
 * Window placement for a control room with several monitors: each window remembers its screen
 * (route), bounds, monitor, maximised and full-screen state; named control-room layouts (alarms
 * on one monitor, the synoptic on another) are saved and restored. A saved window whose monitor
 * is gone is brought back onto a monitor that exists. Pure (the store uses node:fs only);
 * main.ts feeds it Electron's `screen` displays.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface DisplayInfo {
  id: number;
  workArea: Rect;
  primary?: boolean;
}

const rect = z.object({ x: z.number().int(), y: z.number().int(), width: z.number().int().min(200).max(20000), height: z.number().int().min(150).max(20000) });
const placement = z.object({
  /** the window's screen, a hash route: "#/alarms", "#/overview" */
  route: z.string().regex(/^#\/[\w\-/%.]*$/).max(200),
  bounds: rect,
  displayId: z.number().int().optional(),
  maximized: z.boolean().default(false),
  fullScreen: z.boolean().default(false),
});
const state = z.object({
  version: z.literal(1),
  windows: z.array(placement).max(16),
  layouts: z.record(z.string().min(1).max(60), z.array(placement).min(1).max(16)).default({}),
  kiosk: z.boolean().default(false),
});
export type WindowPlacement = z.infer<typeof placement>;
export type ShellState = z.infer<typeof state>;

export const MIN_VISIBLE = 64;
export const DEFAULT_SIZE = { width: 1600, height: 1000 };

export function emptyState(): ShellState {
  return { version: 1, windows: [], layouts: {}, kiosk: false };
}

/** A saved state, or an empty one with the reason when the file is unreadable or invalid. */
export function parseShellState(text: string | null): { state: ShellState; problem?: string } {
  if (text === null) return { state: emptyState() };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { state: emptyState(), problem: `the window layout file is not JSON (${(e as Error).message}); starting with the default layout` };
  }
  const r = state.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    return { state: emptyState(), problem: `the window layout file is invalid at ${i?.path.join('.') || 'the top'}: ${i?.message ?? 'unknown'}; starting with the default layout` };
  }
  return { state: r.data };
}

function overlap(a: Rect, b: Rect): { w: number; h: number } {
  return { w: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x), h: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y) };
}

function primaryOf(displays: readonly DisplayInfo[]): DisplayInfo {
  const d = displays.find((x) => x.primary) ?? displays[0];
  if (!d) throw new Error('no display');
  return d;
}

/** Centred on a display, no larger than its work area. */
export function centredOn(d: DisplayInfo, size: { width: number; height: number } = DEFAULT_SIZE): Rect {
  const width = Math.min(size.width, d.workArea.width);
  const height = Math.min(size.height, d.workArea.height);
  return { x: d.workArea.x + Math.round((d.workArea.width - width) / 2), y: d.workArea.y + Math.round((d.workArea.height - height) / 2), width, height };
}

/**
 * Where a saved window goes on today's monitors: where it was when at least MIN_VISIBLE pixels
 * of it (both ways) are on some display; otherwise centred on its own display if that still
 * exists, else on the primary one.
 */
export function placeOnDisplays(p: WindowPlacement, displays: readonly DisplayInfo[]): WindowPlacement & { displayId: number } {
  for (const d of displays) {
    const o = overlap(p.bounds, d.workArea);
    if (o.w >= MIN_VISIBLE && o.h >= MIN_VISIBLE) return { ...p, displayId: d.id };
  }
  const d = displays.find((x) => x.id === p.displayId) ?? primaryOf(displays);
  return { ...p, bounds: centredOn(d, p.bounds), displayId: d.id };
}

/** The windows to open at start: the remembered ones, or one overview window on the primary monitor. */
export function windowsAtStart(s: ShellState, displays: readonly DisplayInfo[]): Array<WindowPlacement & { displayId: number }> {
  if (s.windows.length === 0) {
    const d = primaryOf(displays);
    return [{ route: '#/overview', bounds: centredOn(d), displayId: d.id, maximized: false, fullScreen: false }];
  }
  return s.windows.map((w) => placeOnDisplays(w, displays));
}

/** Saves the open windows as a named control-room layout (replacing one of the same name). */
export function saveLayout(s: ShellState, name: string, windows: readonly WindowPlacement[]): ShellState {
  const n = name.trim();
  if (!n) throw new Error('a control-room layout needs a name');
  if (windows.length === 0) throw new Error(`the layout "${n}" has no windows to save`);
  return { ...s, layouts: { ...s.layouts, [n]: windows.map((w) => placement.parse(w)) } };
}

/** The windows of a saved layout on today's monitors, or an error naming the layouts there are. */
export function layoutWindows(s: ShellState, name: string, displays: readonly DisplayInfo[]): Array<WindowPlacement & { displayId: number }> {
  const l = s.layouts[name];
  if (!l) throw new Error(`there is no control-room layout "${name}" (saved: ${Object.keys(s.layouts).join(', ') || 'none'})`);
  return l.map((w) => placeOnDisplays(w, displays));
}

/** The shell's state in a JSON file in the user data folder, written atomically, owner-only. */
export class ShellStateStore {
  problem: string | undefined;
  constructor(readonly file: string) {}

  load(): ShellState {
    let text: string | null = null;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      text = null;
    }
    const r = parseShellState(text);
    this.problem = r.problem;
    return r.state;
  }

  save(s: ShellState): void {
    const valid = state.parse(s);
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(valid, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}
