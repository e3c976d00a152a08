/**
 * The subset of Electron's API the shell uses, typed here so the shell compiles where the
 * optional `electron` package (which carries its own types) could not be installed.
 */
export interface WebContentsLike {
  id: number;
  send(channel: string, ...args: unknown[]): void;
  on(event: 'will-navigate', cb: (e: { preventDefault(): void }, url: string) => void): void;
  on(event: 'destroyed', cb: () => void): void;
  setWindowOpenHandler(h: (d: { url: string }) => { action: 'deny' | 'allow' }): void;
  getURL(): string;
  reload(): void;
  isDestroyed(): boolean;
}

export interface RectLike {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface BrowserWindowLike {
  webContents: WebContentsLike;
  loadFile(path: string): Promise<void>;
  loadURL(url: string): Promise<void>;
  on(event: 'closed' | 'close' | 'ready-to-show', cb: () => void): void;
  maximize(): void;
  isMaximized(): boolean;
  getNormalBounds(): RectLike;
  setFullScreen(on: boolean): void;
  isFullScreen(): boolean;
  setKiosk(on: boolean): void;
  isKiosk(): boolean;
  isMinimized(): boolean;
  restore(): void;
  show(): void;
  focus(): void;
  close(): void;
  isDestroyed(): boolean;
}

export interface IpcMainInvokeEventLike {
  sender: WebContentsLike;
  senderFrame: { url: string } | null;
}

export interface ElectronMain {
  app: {
    whenReady(): Promise<void>;
    on(event: 'window-all-closed', cb: () => void): void;
    on(event: 'before-quit', cb: (e: { preventDefault(): void }) => void): void;
    on(event: 'web-contents-created', cb: (e: unknown, wc: WebContentsLike) => void): void;
    quit(): void;
    /** quits without emitting before-quit again */
    exit(code?: number): void;
    getPath(name: 'userData' | 'logs'): string;
    getVersion(): string;
    requestSingleInstanceLock(): boolean;
    on(event: 'second-instance', cb: (e: unknown, argv: string[]) => void): void;
    on(event: 'render-process-gone', cb: (e: unknown, wc: WebContentsLike, details: { reason: string; exitCode: number }) => void): void;
    commandLine: { appendSwitch(s: string, v?: string): void };
  };
  BrowserWindow: (new (opts: Record<string, unknown>) => BrowserWindowLike) & {
    getFocusedWindow(): BrowserWindowLike | null;
    getAllWindows(): BrowserWindowLike[];
  };
  screen: {
    getAllDisplays(): Array<{ id: number; workArea: RectLike }>;
    getPrimaryDisplay(): { id: number };
    getDisplayMatching(r: RectLike): { id: number };
  };
  shell: { openPath(path: string): Promise<string> };
  Tray: new (icon: string) => { setToolTip(t: string): void; setTitle(t: string): void; setContextMenu(m: unknown): void; on(event: 'click', cb: () => void): void; destroy(): void };
  ipcMain: {
    handle(channel: string, h: (e: IpcMainInvokeEventLike, ...args: unknown[]) => unknown): void;
  };
  session: {
    defaultSession: {
      webRequest: {
        onHeadersReceived(
          cb: (d: { responseHeaders?: Record<string, string[]> }, done: (r: { responseHeaders: Record<string, string[]> }) => void) => void,
        ): void;
      };
      setPermissionRequestHandler(h: (wc: unknown, permission: string, cb: (ok: boolean) => void) => void): void;
    };
  };
  Menu: {
    buildFromTemplate(t: unknown[]): unknown;
    setApplicationMenu(m: unknown): void;
  };
  Notification: (new (o: { title: string; body: string; urgency?: 'normal' | 'critical' | 'low'; silent?: boolean }) => { show(): void; on(event: 'click', cb: () => void): void }) & { isSupported(): boolean };
  protocol: {
    registerSchemesAsPrivileged(schemes: Array<{ scheme: string; privileges: Record<string, boolean> }>): void;
    handle(scheme: string, handler: (req: { url: string; method: string }) => Promise<Response> | Response): void;
  };
  safeStorage: {
    isEncryptionAvailable(): boolean;
    encryptString(plain: string): Buffer;
    decryptString(encrypted: Buffer): string;
  };
}
