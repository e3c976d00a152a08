import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ShellStateStore, emptyState, layoutWindows, parseShellState, placeOnDisplays, saveLayout, windowsAtStart, type DisplayInfo, type WindowPlacement } from './window-layout';

const left: DisplayInfo = { id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1040 }, primary: true };
const right: DisplayInfo = { id: 2, workArea: { x: 1920, y: 0, width: 2560, height: 1400 } };
const alarms: WindowPlacement = { route: '#/alarms', bounds: { x: 2000, y: 50, width: 2400, height: 1300 }, displayId: 2, maximized: true, fullScreen: false };
const synoptic: WindowPlacement = { route: '#/overview', bounds: { x: 10, y: 10, width: 1900, height: 1000 }, displayId: 1, maximized: false, fullScreen: true };

describe('window layout (several monitors)', () => {
  it('opens one overview window centred on the primary monitor the first time', () => {
    assert.deepEqual(windowsAtStart(emptyState(), [right, left]), [{ route: '#/overview', bounds: { x: 160, y: 20, width: 1600, height: 1000 }, displayId: 1, maximized: false, fullScreen: false }]);
  });

  it('puts remembered windows back where they were while their monitor is there', () => {
    const s = { ...emptyState(), windows: [alarms, synoptic] };
    assert.deepEqual(windowsAtStart(s, [left, right]), [alarms, synoptic]);
  });

  it('brings a window whose monitor was unplugged onto one that exists, sized to fit', () => {
    const p = placeOnDisplays(alarms, [left]);
    assert.equal(p.displayId, 1);
    assert.deepEqual(p.bounds, { x: 0, y: 0, width: 1920, height: 1040 });
    assert.equal(p.maximized, true, 'it keeps its state');
    // a window barely on a screen (less than 64 px) is moved too
    const edge = placeOnDisplays({ ...synoptic, bounds: { x: 1880, y: 10, width: 800, height: 600 } }, [left]);
    assert.deepEqual(edge.bounds, { x: 560, y: 220, width: 800, height: 600 });
  });

  it('saves and restores a named control-room layout; an unknown name says which exist', () => {
    const s = saveLayout(emptyState(), ' Control room ', [alarms, synoptic]);
    assert.deepEqual(Object.keys(s.layouts), ['Control room']);
    assert.deepEqual(layoutWindows(s, 'Control room', [left, right]).map((w) => [w.route, w.displayId]), [['#/alarms', 2], ['#/overview', 1]]);
    assert.throws(() => layoutWindows(s, 'Night', [left]), /no control-room layout "Night" \(saved: Control room\)/);
    assert.throws(() => saveLayout(s, '  ', [alarms]), /needs a name/);
  });

  it('an unreadable or invalid file gives the default layout and says why', () => {
    assert.match(parseShellState('{').problem ?? '', /not JSON/);
    const bad = parseShellState(JSON.stringify({ version: 1, windows: [{ route: 'javascript:alert(1)', bounds: synoptic.bounds }] }));
    assert.deepEqual(bad.state, emptyState());
    assert.match(bad.problem ?? '', /invalid at windows\.0\.route/);
  });

  it('the store writes atomically, owner-only, and reads back what it wrote', () => {
    const dir = mkdtempSync(join(tmpdir(), 'esm-shell-'));
    try {
      const store = new ShellStateStore(join(dir, 'shell', 'window-layout.json'));
      assert.deepEqual(store.load(), emptyState());
      const s = { ...saveLayout(emptyState(), 'Control room', [alarms, synoptic]), windows: [synoptic], kiosk: true };
      store.save(s);
      assert.equal(statSync(store.file).mode & 0o777, 0o600);
      assert.deepEqual(new ShellStateStore(store.file).load(), s);
      writeFileSync(store.file, readFileSync(store.file, 'utf8').replace('"kiosk": true', '"kiosk": "yes"'));
      const again = new ShellStateStore(store.file);
      assert.deepEqual(again.load(), emptyState());
      assert.match(again.problem ?? '', /kiosk/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
