/**
 * The application menu as data (unit-tested without Electron): screens, alarms (acknowledge,
 * silence the horn), windows and control-room layouts, kiosk, logs, help and About, each with
 * its keyboard shortcut. main.ts turns it into Electron's menu; in browser mode the renderer
 * handles the same shortcuts (core/common/shell.ts holds the shared list).
 */
import { NAVIGATE, SHELL_SHORTCUTS, type ShellAction } from '../../core/common/shell';

export { NAVIGATE, SHELL_SHORTCUTS, type ShellAction };

export interface MenuItemDef {
  label?: string;
  accelerator?: string;
  role?: 'quit' | 'reload' | 'togglefullscreen' | 'resetZoom' | 'zoomIn' | 'zoomOut' | 'copy' | 'paste' | 'selectAll' | 'cut' | 'undo' | 'redo';
  type?: 'separator';
  action?: ShellAction;
  submenu?: MenuItemDef[];
}

export interface MenuLabels {
  file: string;
  newWindow: string;
  saveLayout: string;
  restoreLayout: string;
  logs: string;
  navigate: string;
  alarms: string;
  acknowledge: string;
  silence: string;
  view: string;
  kiosk: string;
  help: string;
  helpScreen: string;
  about: string;
  screens: Record<string, string>;
}

export const ENGLISH_MENU: MenuLabels = {
  file: 'File',
  newWindow: 'New window (another monitor)',
  saveLayout: 'Save control-room layout',
  restoreLayout: 'Restore control-room layout',
  logs: 'Open the logs folder',
  navigate: 'Navigate',
  alarms: 'Alarms',
  acknowledge: 'Acknowledge the selected alarm',
  silence: 'Silence the horn',
  view: 'View',
  kiosk: 'Kiosk (full screen, no menu)',
  help: 'Help',
  helpScreen: 'Help for this screen',
  about: 'About ES Manager',
  screens: Object.fromEntries(NAVIGATE.map((n) => [n.route, n.label])),
};

export function menuTemplate(l: MenuLabels = ENGLISH_MENU): MenuItemDef[] {
  return [
    {
      label: l.file,
      submenu: [
        { label: l.newWindow, accelerator: 'CmdOrCtrl+N', action: { kind: 'new-window' } },
        { label: l.saveLayout, accelerator: 'CmdOrCtrl+Shift+L', action: { kind: 'save-layout' } },
        { label: l.restoreLayout, accelerator: 'CmdOrCtrl+Alt+L', action: { kind: 'restore-layout' } },
        { type: 'separator' },
        { label: l.logs, action: { kind: 'logs' } },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    {
      label: l.navigate,
      submenu: NAVIGATE.map((n, i) => ({ label: l.screens[n.route] ?? n.label, accelerator: `CmdOrCtrl+${i + 1}`, action: { kind: 'navigate', route: n.route } })),
    },
    {
      label: l.alarms,
      submenu: [
        { label: l.acknowledge, accelerator: SHELL_SHORTCUTS.acknowledge, action: { kind: 'acknowledge' } },
        { label: l.silence, accelerator: SHELL_SHORTCUTS.silence, action: { kind: 'silence' } },
      ],
    },
    {
      label: l.view,
      submenu: [{ label: l.kiosk, accelerator: SHELL_SHORTCUTS.kiosk, action: { kind: 'kiosk' } }, { role: 'togglefullscreen' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'reload' }],
    },
    { label: l.help, submenu: [{ label: l.helpScreen, accelerator: SHELL_SHORTCUTS.help, action: { kind: 'help' } }, { label: l.about, action: { kind: 'about' } }] },
  ];
}

/** Every item of a template, depth first. */
export function menuItems(t: readonly MenuItemDef[]): MenuItemDef[] {
  return t.flatMap((i) => [i, ...menuItems(i.submenu ?? [])]);
}
