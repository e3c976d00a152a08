/**
 * Preload (sandboxed): exposes the API contract and nothing else — never ipcRenderer itself.
 * It must not import local modules (a sandboxed preload can only require 'electron'), so the
 * channel names are repeated here; electron/ipc-policy.ts holds the same values.
 */
import type { ApiErrorBody } from '../core/common';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { contextBridge, ipcRenderer } = require('electron') as {
  contextBridge: { exposeInMainWorld(key: string, api: unknown): void };
  ipcRenderer: {
    invoke(channel: string, ...args: unknown[]): Promise<unknown>;
    on(channel: string, cb: (e: unknown, ...args: unknown[]) => void): void;
  };
};

type Envelope = { ok: true; result: unknown } | { ok: false; error: ApiErrorBody };
const handlers = new Map<string, Set<(data: unknown) => void>>();

ipcRenderer.on('esm:event', (_e, event, data) => {
  for (const h of handlers.get(String(event)) ?? []) h(data);
});

async function unwrap(p: Promise<unknown>): Promise<unknown> {
  const env = (await p) as Envelope;
  if (env.ok) return env.result;
  // a plain object crosses the context bridge intact (an Error would lose code and path)
  throw { ...env.error };
}

const shellHandlers = new Set<(action: unknown) => void>();
// menu commands for the renderer (electron/desktop-shell.ts SHELL_CHANNEL): navigate, silence…
ipcRenderer.on('esm:shell', (_e, action) => {
  for (const h of shellHandlers) h(action);
});

contextBridge.exposeInMainWorld('esm', {
  hello: () => ipcRenderer.invoke('esm:hello'),
  onShell: (cb: (action: unknown) => void) => {
    shellHandlers.add(cb);
    return () => void shellHandlers.delete(cb);
  },
  call: (method: string, arg: unknown) => unwrap(ipcRenderer.invoke('esm:call', String(method), arg)),
  listen: (event: string, cb: (data: unknown) => void) => {
    const name = String(event);
    let set = handlers.get(name);
    if (!set) {
      set = new Set();
      handlers.set(name, set);
      // refused before sign-in: the client subscribes again once the window has a session
      unwrap(ipcRenderer.invoke('esm:listen', name)).catch(() => undefined);
    }
    set.add(cb);
    return () => {
      set.delete(cb);
      if (set.size === 0) {
        handlers.delete(name);
        void ipcRenderer.invoke('esm:unlisten', name);
      }
    };
  },
});
