/**
 * Electron main process: windows, menu and lifecycle. The core runs here (composeApp) and
 * the renderer reaches it only through the preload's named IPC channels. Hardening per the
 * Electron security checklist: context isolation, sandbox, no node integration, CSP, no
 * navigation or new windows, every IPC sender validated.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError, type EventName } from '../core/common';
import { SafeStorageKeyProvider } from '../core/security';
import { parseCli, type CliOptions } from './cli';
import { composeApp, type App } from './compose';
import { electronPrinter, type PrintableWindow } from './pdf';
import { DesktopShell } from './desktop-shell';
import { RotatingLog } from './shell/logs';
import { fileToOpen } from './shell/file-types';
import { startSingleInstance } from './shell/single-instance';
import { installFailureHandlers } from './supervise';
import { describeError, recordFailure } from '../core/host/failures';
import type { ElectronMain, IpcMainInvokeEventLike, WebContentsLike } from './electron-api';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, resolveAppRequest } from './app-protocol';
import { CSP, IPC, isAllowedNavigation, isTrustedSender } from './ipc-policy';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const electron = require('electron') as ElectronMain;
const { app: eapp, BrowserWindow, ipcMain, session, Menu, safeStorage, protocol } = electron;
let shell: DesktopShell | undefined;

// app://esm/ is a standard, secure origin for the renderer; registered before the app is ready
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);

const rendererRoot = join(__dirname, '..', 'renderer');
const preload = join(__dirname, 'preload.js');
let core: App | undefined;
/** session token per renderer (webContents id): bound when the window signs in */
const sessions = new Map<number, string>();
/** methods whose result is a session for the calling window */
const ISSUES_SESSION = new Set(['auth.signIn', 'auth.setup', 'auth.reauth', 'auth.impersonate']);
const subscriptions = new Map<number, Map<string, () => void>>();

function assertSender(e: IpcMainInvokeEventLike): void {
  if (!isTrustedSender(e.senderFrame?.url)) throw new Error('IPC refused: unknown sender');
}

const WEB_PREFERENCES = {
  preload,
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  webviewTag: false,
  spellcheck: false,
  // the alarm horn must sound before anyone has clicked (a control room at night)
  autoplayPolicy: 'no-user-gesture-required',
};

/** Largest reply sent over IPC (structured clone of a huge result blocks the main process). */
const MAX_IPC_REPLY_BYTES = 128 << 20;

/** Never rejects: a failed call or a reply that cannot be sent becomes an error envelope. */
function envelope(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    (result) => {
      try {
        // the same bound as the WebSocket transport: a reply that cannot be serialised, or is
        // too large, is an error reply (JSON length approximates the clone's size)
        const n = JSON.stringify(result)?.length ?? 0;
        if (n > MAX_IPC_REPLY_BYTES) throw new RangeError(`${Math.round(n / 1048576)} MiB; the limit is ${Math.round(MAX_IPC_REPLY_BYTES / 1048576)} MiB`);
      } catch (e) {
        return {
          ok: false,
          error: { code: 'too-large', message: `The reply to this call is too large to send (${(e as Error).message}). Ask for less: a shorter period, fewer points or a wider interval.` },
        };
      }
      return { ok: true, result };
    },
    (err: unknown) => ({ ok: false, error: err instanceof ApiError ? err.toBody() : { code: 'internal', message: String(err) } }),
  );
}

/** The running core; undefined while it restarts. */
function currentCore(): App {
  if (!core) throw new ApiError('unavailable', 'the core is restarting; try again in a moment');
  return core;
}

function wireIpc(): void {
  ipcMain.handle(IPC.hello, (e) => {
    assertSender(e);
    const id = e.sender.id;
    if (!sessions.has(id)) {
      e.sender.on('destroyed', () => {
        for (const off of subscriptions.get(id)?.values() ?? []) off();
        subscriptions.delete(id);
        sessions.delete(id);
      });
    }
    // the window signs in through auth.signIn; the token stays in this process
    return { session: '' };
  });
  ipcMain.handle(IPC.call, (e, method, arg) => {
    assertSender(e);
    const id = e.sender.id;
    const run = Promise.resolve()
      .then(() => currentCore())
      .then((c) => c.host.dispatcher.call(sessions.get(id), method, arg, { workstation: 'desktop' }).then((result) => {
      const token = (result as { token?: unknown } | null)?.token;
      if (ISSUES_SESSION.has(String(method)) && typeof token === 'string') sessions.set(id, token);
      if (method === 'auth.signOut') sessions.delete(id);
      return result;
    }));
    return envelope(run);
  });
  ipcMain.handle(IPC.listen, (e, event) => {
    assertSender(e);
    const wc: WebContentsLike = e.sender;
    return envelope(
      (async () => {
        const subs = subscriptions.get(wc.id) ?? new Map<string, () => void>();
        subscriptions.set(wc.id, subs);
        subs.get(String(event))?.();
        const send = (data: unknown): void => {
          try {
            wc.send(IPC.event, event as EventName, data);
          } catch (e) {
            console.error(`IPC: the ${String(event)} event could not be sent:`, e);
          }
        };
        subs.set(String(event), currentCore().host.dispatcher.listen(sessions.get(wc.id), event, send));
        return null;
      })(),
    );
  });
  ipcMain.handle(IPC.unlisten, (e, event) => {
    assertSender(e);
    const subs = subscriptions.get(e.sender.id);
    subs?.get(String(event))?.();
    subs?.delete(String(event));
    return { ok: true, result: null };
  });
}

async function main(): Promise<void> {
  const opts = parseCli(process.argv.slice(2), false);
  // one instance per user session: a second start hands its command line (a double-clicked
  // site or study file) to this one and quits
  const first = startSingleInstance(
    { acquire: () => eapp.requestSingleInstanceLock(), onSecondInstance: (cb) => eapp.on('second-instance', (_e, argv) => cb(argv)) },
    {
      quit: () => eapp.quit(),
      focus: () => shell?.focus(),
      open: (f) => console.warn(`${f.path}: open ${f.kind} files from File → Open in the running ES Manager (it keeps its current site until restarted with --site)`),
    },
  );
  if (!first) return;
  const at = fileToOpen(process.argv.slice(1));
  if (at?.kind === 'site' && opts.site === undefined) opts.site = at.path;
  // logs in the user data folder, rotated (5 MB × 5)
  const log = new RotatingLog(join(eapp.getPath('userData'), 'logs'));
  log.captureConsole();
  await eapp.whenReady();
  session.defaultSession.webRequest.onHeadersReceived((d, done) => {
    done({ responseHeaders: { ...(d.responseHeaders ?? {}), 'Content-Security-Policy': [CSP] } });
  });
  // the renderer's files, from its folder only (electron/app-protocol.ts), with the CSP
  protocol.handle(APP_SCHEME, async (req) => {
    const r = resolveAppRequest(req.url, rendererRoot);
    if (!r.ok) return new Response(r.reason, { status: r.status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    return new Response(await readFile(r.path), { headers: { 'content-type': r.mime, 'content-security-policy': CSP, 'x-content-type-options': 'nosniff' } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, permission, cb) => cb(permission === 'notifications'));
  eapp.on('web-contents-created', (_e, wc) => {
    wc.on('will-navigate', (ev, url) => {
      if (!isAllowedNavigation(url)) ev.preventDefault();
    });
    wc.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  // the data key is wrapped by the OS key store (DPAPI, Keychain, libsecret), never kept in clear
  const keyProvider = new SafeStorageKeyProvider(safeStorage, join(eapp.getPath('userData'), 'keys', 'data-key.wrapped'));
  process.umask(0o077);
  core = await startCore(opts, keyProvider);
  wireIpc();
  shell = new DesktopShell(electron, { preload, icon: join(__dirname, '..', '..', 'assets', 'icons', 'icon.png'), userData: eapp.getPath('userData'), logsDir: log.dir, kiosk: opts.kiosk, webPreferences: WEB_PREFERENCES });
  Menu.setApplicationMenu(shell.buildMenu());
  watchAlarms();
  shell.showAlarms(null);
  shell.openAtStart();
  // a renderer that crashed is loaded again (the core and the other windows keep running)
  eapp.on('render-process-gone', (_e, wc, details) => {
    console.error(`a window's renderer is gone (${details.reason}, exit code ${details.exitCode}); reloading it`);
    if (details.reason !== 'clean-exit' && !wc.isDestroyed()) wc.reload();
  });
  eapp.on('window-all-closed', () => eapp.quit());
  // the core's stop is awaited (bounded) so the last historian batch is kept, then we quit
  let quitting = false;
  eapp.on('before-quit', (e) => {
    if (quitting) return;
    quitting = true;
    e.preventDefault();
    shell?.rememberWindows();
    shell?.dispose();
    const c = core;
    core = undefined;
    const hard = setTimeout(() => eapp.exit(1), SHUTDOWN_MS);
    void (c ? c.stop() : Promise.resolve())
      .catch((err: unknown) => console.error('the core did not stop cleanly:', err))
      .finally(() => {
        clearTimeout(hard);
        eapp.exit(0);
      });
  });

  // the main process supervises the core: an uncaught exception is recorded, the core is
  // stopped and started again with back-off; the next core raises the cause as an alarm
  let delay = 1000;
  let restarting = false;
  let lastStart = Date.now();
  installFailureHandlers(
    () => ({ ...(core ? { dataDir: core.dataDir, host: core.host } : {}) }),
    () => {
      if (restarting || quitting) return;
      restarting = true;
      const old = core;
      core = undefined;
      if (Date.now() - lastStart > 60_000) delay = 1000;
      const wait = delay;
      delay = Math.min(30_000, delay * 2);
      console.error(`the core failed; restarting it in ${wait} ms`);
      void (old ? old.stop().catch((err: unknown) => console.error('stopping the failed core:', err)) : Promise.resolve())
        .then(() => new Promise((r) => setTimeout(r, wait)))
        .then(() => startCore(opts, keyProvider))
        .then(
          (c) => {
            core = c;
            lastStart = Date.now();
            watchAlarms();
          },
          (err: unknown) => {
            console.error('the core could not be restarted:', err);
            if (old) recordFailure(old.dataDir, { kind: 'restart', ...describeError(err), at: Date.now() });
            eapp.exit(70);
          },
        )
        .finally(() => (restarting = false));
    },
  );
}

/** The tray count and notifications follow the running core's alarm events. */
let unwatch: (() => void) | undefined;
function watchAlarms(): void {
  unwatch?.();
  unwatch = core?.host.bus.on('alarms.changed', (ev) => shell?.onAlarmsChanged(ev));
}

/** The longest the shell waits for the core to stop when quitting. */
const SHUTDOWN_MS = 8000;

function startCore(opts: CliOptions, keyProvider: SafeStorageKeyProvider): Promise<App> {
  return composeApp({
    mode: 'electron',
    keyProvider,
    // the monthly report through Electron's printToPDF, in a hidden window without scripts
    pdfPrinter: electronPrinter(() => new BrowserWindow({ show: false, webPreferences: { javascript: false, sandbox: true } }) as unknown as PrintableWindow),
    ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
    noSim: opts.noSim,
    ephemeralSimPorts: opts.ephemeralSimPorts,
    demoHistory: !opts.noDemoHistory,
    ...(opts.site !== undefined ? { sitePath: opts.site } : {}),
    ...(opts.simSpeed !== undefined ? { simSpeed: opts.simSpeed } : {}),
  });
}

main().catch((e: unknown) => {
  console.error(e);
  eapp.quit();
});
