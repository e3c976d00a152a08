/**
 * The study store: its own SQLite file, studies saved and listed, results dropped when the
 * spec changes, one-file export/import to another store, and read-only when newer.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { loadSite } from '../config/load';
import { STUDY_FORMAT, type StudyResults } from '../common/study';
import { specFromSite } from './spec';
import { StudyError, StudyStore } from './store';

const ROOT = join(__dirname, '..', '..');
const demo = loadSite(join(ROOT, 'assets', 'sites', 'demo', 'site.yaml'), [join(ROOT, 'assets', 'profiles')]).site;
const dir = mkdtempSync(join(tmpdir(), 'esm-study-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const results = (hash: string): StudyResults => ({ format: STUDY_FORMAT, specHash: hash, startedAt: 1, finishedAt: 2, wallMs: 1, steps: 96, strategies: [] });

describe('study store', () => {
  it('saves, lists and reads studies in its own file; a changed spec drops the results', () => {
    const store = new StudyStore(join(dir, 'a.sqlite'));
    const spec = specFromSite(demo, { start: '2026-01-01', days: 7 });
    const s = store.save(spec);
    assert.equal(s.readOnly, false);
    store.setResults(s.id, results('x'));
    assert.equal(store.list()[0]?.hasResults, true);
    assert.equal(store.get(s.id).results?.specHash, 'x');
    // the same spec again keeps the results; a bigger battery drops them
    store.save(spec, s.id);
    assert.equal(store.get(s.id).results?.specHash, 'x');
    store.save({ ...spec, site: { ...spec.site, batteryKwh: 240 } }, s.id);
    const got = store.get(s.id);
    assert.equal(got.spec?.site.batteryKwh, 240);
    assert.equal(got.results, undefined);
    store.close();
    // the file is a study store, not the application database
    const db = new Database(join(dir, 'a.sqlite'), { readonly: true });
    assert.deepEqual((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name), ['studies']);
    db.close();
  });

  it('refuses a bad spec with the path of the problem', () => {
    const store = new StudyStore(join(dir, 'b.sqlite'));
    const spec = specFromSite(demo, { start: '2026-01-01', days: 7 });
    assert.throws(
      () => store.save({ ...spec, site: { ...spec.site, batteryKwh: -5 } }),
      (e: unknown) => e instanceof StudyError && /site\.batteryKwh: the battery size cannot be negative/.test(e.message),
    );
    assert.throws(
      () => store.save({ ...spec, sweep: { strategyId: 'nope', batteryKwh: [10], inverterKw: [5], costPerKwh: 1, costPerKw: 1, fixedCost: 0 } }),
      (e: unknown) => e instanceof StudyError && /sweep\.strategyId: the sizing sweep names strategy "nope"/.test(e.message),
    );
    store.close();
  });

  it('exports a study as one file and imports it into another store, results included', () => {
    const a = new StudyStore(join(dir, 'c.sqlite'));
    const s = a.save(specFromSite(demo, { start: '2026-01-01', days: 3 }));
    a.setResults(s.id, results('r1'));
    const file = a.exportFile(s.id);
    a.close();
    const b = new StudyStore(join(dir, 'd.sqlite'));
    const t = b.importFile(file);
    assert.notEqual(t.id, s.id);
    const got = b.get(t.id);
    assert.equal(got.readOnly, false);
    assert.equal(got.spec?.period.days, 3);
    assert.equal(got.results?.specHash, 'r1');
    assert.throws(() => b.importFile('{"kind":"something else","format":1}'), /not a study file/);
    assert.throws(() => b.importFile('not json'), /not a study file: it is not JSON/);
    b.close();
  });

  it('a study of a newer format opens read-only with a sentence, and is never changed or run', () => {
    const b = new StudyStore(join(dir, 'e.sqlite'));
    const file = JSON.stringify({ kind: 'es-manager-study', format: STUDY_FORMAT + 1, name: 'From the future', spec: { whatever: true, hydrogen: 1 } });
    const t = b.importFile(file);
    assert.equal(t.readOnly, true);
    assert.match(t.readOnlyReason ?? '', /saved by a newer version of ES Manager \(study format 2; this version reads up to 1\)\. It opens read-only/);
    const got = b.get(t.id);
    assert.equal(got.spec, undefined);
    assert.deepEqual(got.raw, { whatever: true, hydrogen: 1 });
    assert.throws(() => b.save(specFromSite(demo), t.id), (e: unknown) => e instanceof StudyError && e.code === 'read-only');
    assert.throws(() => b.setResults(t.id, results('no')), (e: unknown) => e instanceof StudyError && e.code === 'read-only');
    b.close();
  });

  it('a store file written by a newer app opens read-only as a whole', () => {
    const f = join(dir, 'f.sqlite');
    const a = new StudyStore(f);
    a.save(specFromSite(demo, { days: 2 }));
    a.close();
    const db = new Database(f);
    db.pragma('user_version = 99');
    db.close();
    const b = new StudyStore(f);
    assert.match(b.readOnlyReason ?? '', /newer version of ES Manager \(store version 99; this version knows 1\)/);
    const [s] = b.list();
    assert.ok(s?.readOnly);
    assert.throws(() => b.save(specFromSite(demo)), (e: unknown) => e instanceof StudyError && e.code === 'read-only');
    b.close();
  });
});
