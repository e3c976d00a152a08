/**
 * One ES Manager per user session: a second start (a double-clicked site file, the menu entry
 * clicked again) hands its command line to the first instance and quits; the first one comes to
 * the front and opens the file it was given. Electron's app.requestSingleInstanceLock() is one
 * implementation of InstanceLock; tests use another.
 */
import { fileToOpen, type FileToOpen } from './file-types';

export interface InstanceLock {
  /** true in the first instance; false when another instance holds the lock */
  acquire(): boolean;
  /** in the first instance: called with a later instance's command line */
  onSecondInstance(cb: (argv: readonly string[]) => void): void;
}

export interface InstanceHandlers {
  quit(): void;
  focus(): void;
  open(file: FileToOpen): void;
}

/** Takes the lock or quits; returns whether this is the instance that runs. */
export function startSingleInstance(lock: InstanceLock, h: InstanceHandlers): boolean {
  if (!lock.acquire()) {
    h.quit();
    return false;
  }
  lock.onSecondInstance((argv) => {
    h.focus();
    const f = fileToOpen(argv.slice(1));
    if (f) h.open(f);
  });
  return true;
}
