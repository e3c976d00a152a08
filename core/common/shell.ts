/**
 * The desktop shell's commands, shared by the Electron menu (electron/shell/menu.ts) and the
 * renderer, which handles the same keyboard shortcuts in browser mode and receives the menu's
 * commands over IPC in the desktop app (renderer/src/shell/shortcuts.ts).
 */
export type ShellAction =
  | { kind: 'navigate'; route: string }
  | { kind: 'acknowledge' }
  | { kind: 'silence' }
  | { kind: 'new-window' }
  | { kind: 'save-layout' }
  | { kind: 'restore-layout' }
  | { kind: 'kiosk' }
  | { kind: 'logs' }
  | { kind: 'help' }
  | { kind: 'about' };

/** The actions the renderer carries out itself (the others belong to the main process). */
export const RENDERER_ACTIONS: ReadonlySet<ShellAction['kind']> = new Set(['navigate', 'acknowledge', 'silence', 'help', 'about']);

/** The screens the Navigate menu lists, in order: Ctrl+1 … Ctrl+9. */
export const NAVIGATE: ReadonlyArray<{ route: string; label: string }> = [
  { route: 'overview', label: 'Site overview' },
  { route: 'alarms', label: 'Alarms' },
  { route: 'trends', label: 'Trends' },
  { route: 'kpi', label: 'Energy KPIs' },
  { route: 'plan', label: 'Plan' },
  { route: 'alarm-history', label: 'Alarm history' },
  { route: 'devices', label: 'Devices' },
  { route: 'points', label: 'Points' },
  { route: 'audit', label: 'Audit log' },
];

/** Shortcuts in Electron's accelerator syntax (CmdOrCtrl = Ctrl, or ⌘ on a Mac). */
export const SHELL_SHORTCUTS = {
  acknowledge: 'CmdOrCtrl+Shift+A',
  silence: 'CmdOrCtrl+Shift+S',
  help: 'F1',
  kiosk: 'F11',
} as const;

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** The shell action of a key press (browser mode), or null. */
export function shortcutAction(e: KeyLike): ShellAction | null {
  const mod = e.ctrlKey || e.metaKey;
  if (!mod && !e.shiftKey && !e.altKey && e.key === 'F1') return { kind: 'help' };
  if (!mod || e.altKey) return null;
  const k = e.key.toLowerCase();
  if (e.shiftKey && k === 'a') return { kind: 'acknowledge' };
  if (e.shiftKey && k === 's') return { kind: 'silence' };
  if (!e.shiftKey && /^[1-9]$/.test(k)) {
    const n = NAVIGATE[Number(k) - 1];
    return n ? { kind: 'navigate', route: n.route } : null;
  }
  return null;
}
