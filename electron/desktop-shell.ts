/**
 * The desktop shell around the renderer windows, on Electron's API: windows placed from the
 * remembered layout (several monitors), named control-room layouts, kiosk mode, the
 * application menu, the tray with the active alarm count, OS notifications for new high and
 * critical alarms, a renderer that crashed reloaded, logs in the user data folder. The
 * decisions are in the pure modules of electron/shell/ (unit-tested without Electron); this
 * file only applies them. Only main.ts imports it.
 */
import { join } from 'node:path';
import type { AlarmCounts, AlarmsChangedEvent } from '../core/common/alarms';
import { RENDERER_ACTIONS, type ShellAction } from '../core/common/shell';
import { APP_INDEX_URL } from './app-protocol';
import type { BrowserWindowLike, ElectronMain } from './electron-api';
import { alarmNotifications, trayView } from './shell/alarm-tray';
import { menuItems, menuTemplate, type MenuItemDef } from './shell/menu';
import { ShellStateStore, layoutWindows, saveLayout, windowsAtStart, type ShellState, type WindowPlacement } from './shell/window-layout';

/** The channel the main process sends shell commands (menu items) to a window on. */
export const SHELL_CHANNEL = 'esm:shell';
/** The layout File → Save / Restore control-room layout uses. */
export const CONTROL_ROOM_LAYOUT = 'Control room';

export interface DesktopShellOptions {
  preload: string;
  icon: string;
  userData: string;
  logsDir: string;
  kiosk: boolean;
  webPreferences: Record<string, unknown>;
}

export class DesktopShell {
  private readonly store: ShellStateStore;
  private state: ShellState;
  private tray: InstanceType<ElectronMain['Tray']> | undefined;

  constructor(
    private readonly e: ElectronMain,
    private readonly o: DesktopShellOptions,
  ) {
    this.store = new ShellStateStore(join(o.userData, 'window-layout.json'));
    this.state = this.store.load();
    if (this.store.problem) console.warn(this.store.problem);
    if (o.kiosk) this.state = { ...this.state, kiosk: true };
  }

  private displays() {
    const primary = this.e.screen.getPrimaryDisplay().id;
    return this.e.screen.getAllDisplays().map((d) => ({ id: d.id, workArea: d.workArea, primary: d.id === primary }));
  }

  /** Opens the remembered windows (or one overview window). */
  openAtStart(): void {
    for (const p of windowsAtStart(this.state, this.displays())) this.openWindow(p);
  }

  openWindow(p?: WindowPlacement): BrowserWindowLike {
    const place = p ?? windowsAtStart({ ...this.state, windows: [] }, this.displays())[0];
    const win = new this.e.BrowserWindow({
      ...(place ? place.bounds : {}),
      backgroundColor: '#d9d9d9',
      title: 'ES Manager',
      show: false,
      kiosk: this.state.kiosk,
      icon: this.o.icon,
      webPreferences: this.o.webPreferences,
    });
    win.on('ready-to-show', () => {
      if (place?.maximized) win.maximize();
      if (place?.fullScreen && !this.state.kiosk) win.setFullScreen(true);
      win.show();
    });
    // the layout is remembered whenever a window closes: the others when they stay open, all
    // of them when it is the last one (the app quits)
    win.on('close', () => this.rememberWindows(win));
    win.loadURL(`${APP_INDEX_URL}${place?.route ?? '#/overview'}`).catch((err: unknown) => console.error('cannot load the renderer:', err));
    return win;
  }

  private placements(except?: BrowserWindowLike): WindowPlacement[] {
    const live = this.e.BrowserWindow.getAllWindows().filter((w) => !w.isDestroyed() && /^app:/.test(w.webContents.getURL()));
    const keep = except && live.length > 1 ? live.filter((w) => w !== except) : live;
    return keep
      .map((w) => {
        const bounds = w.getNormalBounds();
        const hash = /#\/[\w\-/%.]*/.exec(w.webContents.getURL())?.[0] ?? '#/overview';
        return { route: hash, bounds, displayId: this.e.screen.getDisplayMatching(bounds).id, maximized: w.isMaximized(), fullScreen: w.isFullScreen() };
      });
  }

  rememberWindows(closing?: BrowserWindowLike): void {
    const windows = this.placements(closing);
    if (windows.length === 0) return;
    this.state = { ...this.state, windows };
    this.save();
  }

  private save(): void {
    try {
      this.store.save(this.state);
    } catch (err) {
      console.error('the window layout could not be saved:', err);
    }
  }

  private focused(): BrowserWindowLike | undefined {
    return this.e.BrowserWindow.getFocusedWindow() ?? this.e.BrowserWindow.getAllWindows().find((w) => !w.isDestroyed());
  }

  /** Brings the app to the front (a second instance was started). */
  focus(): void {
    const w = this.focused();
    if (!w) return void this.openWindow();
    if (w.isMinimized()) w.restore();
    w.show();
    w.focus();
  }

  run(a: ShellAction): void {
    if (RENDERER_ACTIONS.has(a.kind)) {
      const w = this.focused();
      if (w) w.webContents.send(SHELL_CHANNEL, a);
      return;
    }
    switch (a.kind) {
      case 'new-window':
        this.openWindow();
        return;
      case 'save-layout':
        this.state = saveLayout(this.state, CONTROL_ROOM_LAYOUT, this.placements());
        this.save();
        return;
      case 'restore-layout': {
        let wins: WindowPlacement[];
        try {
          wins = layoutWindows(this.state, CONTROL_ROOM_LAYOUT, this.displays());
        } catch (err) {
          console.warn(String((err as Error).message));
          return;
        }
        const old = this.e.BrowserWindow.getAllWindows();
        for (const p of wins) this.openWindow(p);
        for (const w of old) if (!w.isDestroyed()) w.close();
        return;
      }
      case 'kiosk': {
        const on = !this.state.kiosk;
        this.state = { ...this.state, kiosk: on };
        for (const w of this.e.BrowserWindow.getAllWindows()) if (!w.isDestroyed()) w.setKiosk(on);
        this.save();
        return;
      }
      case 'logs':
        void this.e.shell.openPath(this.o.logsDir);
        return;
    }
  }

  /** Electron's menu from the menu definition (electron/shell/menu.ts). */
  buildMenu(): unknown {
    const toElectron = (i: MenuItemDef): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      if (i.label) out.label = i.label;
      if (i.accelerator) out.accelerator = i.accelerator;
      if (i.role) out.role = i.role;
      if (i.type) out.type = i.type;
      const action = i.action;
      if (action) out.click = () => this.run(action);
      if (i.submenu) out.submenu = i.submenu.map(toElectron);
      return out;
    };
    const template = menuTemplate();
    if (menuItems(template).length === 0) throw new Error('empty menu');
    return this.e.Menu.buildFromTemplate(template.map(toElectron));
  }

  /** The tray icon with the alarm count, and notifications for new high/critical alarms. */
  showAlarms(counts: AlarmCounts | null): void {
    const v = trayView(counts);
    if (!this.tray) {
      try {
        this.tray = new this.e.Tray(this.o.icon);
        this.tray.on('click', () => this.focus());
        this.tray.setContextMenu(
          this.e.Menu.buildFromTemplate([
            { label: 'Show ES Manager', click: () => this.focus() },
            { label: 'Alarms', click: () => this.run({ kind: 'navigate', route: 'alarms' }) },
            { type: 'separator' },
            { role: 'quit' },
          ]),
        );
      } catch (err) {
        // a desktop without a status area: the windows still show the alarms
        console.warn('no tray icon on this desktop:', err);
        return;
      }
    }
    this.tray.setToolTip(v.tooltip);
    this.tray.setTitle(v.count > 0 ? `${v.attention ? '! ' : ''}${v.count}` : '');
  }

  onAlarmsChanged(ev: AlarmsChangedEvent): void {
    this.showAlarms(ev.counts);
    if (!this.e.Notification.isSupported()) return;
    for (const n of alarmNotifications(ev)) {
      const note = new this.e.Notification({ title: n.title, body: n.body, urgency: 'critical' });
      note.on('click', () => {
        this.focus();
        this.run({ kind: 'navigate', route: 'alarms' });
      });
      note.show();
    }
  }

  dispose(): void {
    this.tray?.destroy();
    this.tray = undefined;
  }
}
