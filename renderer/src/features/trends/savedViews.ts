/**
 * Saved trend views (name + pens + range), kept in the browser's localStorage per user. Pure
 * over a small storage interface so it can be tested with a fake.
 */
import type { PointId } from '../../../../core/common/point';
import { isPresetKey, type TimeRange } from './trendModel';

export interface SavedView {
  name: string;
  pens: PointId[];
  range: TimeRange;
  savedAt: number;
}

export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem'>;

export const MAX_VIEWS = 50;

export function viewsKey(user: string): string {
  return `esm.trendViews.${user}`;
}

function validRange(r: unknown): TimeRange | null {
  if (!r || typeof r !== 'object') return null;
  const x = r as Record<string, unknown>;
  if (x.kind === 'preset' && isPresetKey(x.key)) return { kind: 'preset', key: x.key };
  if (x.kind === 'custom' && typeof x.from === 'number' && typeof x.to === 'number' && Number.isFinite(x.from) && Number.isFinite(x.to) && x.to > x.from)
    return { kind: 'custom', from: x.from, to: x.to };
  return null;
}

/** The user's saved views, sorted by name; anything malformed in storage is skipped. */
export function loadViews(storage: KeyValueStorage | undefined, user: string): SavedView[] {
  if (!storage) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(storage.getItem(viewsKey(user)) ?? '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(raw)) return [];
  const out: SavedView[] = [];
  for (const v of raw as unknown[]) {
    if (!v || typeof v !== 'object') continue;
    const x = v as Record<string, unknown>;
    const range = validRange(x.range);
    if (typeof x.name !== 'string' || !x.name.trim() || !Array.isArray(x.pens) || !range) continue;
    const pens = (x.pens as unknown[]).filter((p): p is string => typeof p === 'string' && p.includes('/'));
    out.push({ name: x.name.trim(), pens, range, savedAt: typeof x.savedAt === 'number' ? x.savedAt : 0 });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

function write(storage: KeyValueStorage, user: string, views: SavedView[]): void {
  storage.setItem(viewsKey(user), JSON.stringify(views));
}

/** Saves (or replaces, by name, case-insensitive) a view; returns the new list. */
export function saveView(storage: KeyValueStorage, user: string, view: Omit<SavedView, 'savedAt'>, now = Date.now()): SavedView[] {
  const name = view.name.trim();
  if (!name) throw new Error('a saved view needs a name');
  if (!view.pens.length) throw new Error('a saved view needs at least one pen');
  const rest = loadViews(storage, user).filter((v) => v.name.toLowerCase() !== name.toLowerCase());
  if (rest.length >= MAX_VIEWS) throw new Error(`at most ${MAX_VIEWS} saved views: delete one first`);
  const next = [...rest, { name, pens: [...view.pens], range: view.range, savedAt: now }].sort((a, b) => a.name.localeCompare(b.name));
  write(storage, user, next);
  return next;
}

export function deleteView(storage: KeyValueStorage, user: string, name: string): SavedView[] {
  const next = loadViews(storage, user).filter((v) => v.name !== name);
  write(storage, user, next);
  return next;
}

/** window.localStorage when it can be used (it throws in some sandboxed contexts). */
export function browserStorage(): KeyValueStorage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}
