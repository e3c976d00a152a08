import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actorText, auditValueFull, auditValueText, readableValue, buildAuditFilter, EMPTY_FORM, nextBeforeSeq, toLocalDateTime, unwrapTarget, verifyText } from './auditModel';
import { safeFilename } from './download';

test('the filter leaves out empty fields, makes a bare type a prefix, converts the period', () => {
  assert.deepEqual(buildAuditFilter(EMPTY_FORM), { limit: 50 });
  const from = new Date(2026, 0, 2, 3, 4).getTime();
  const f = buildAuditFilter({ user: ' operator1 ', type: 'command', assetId: 'ess', outcome: 'refused', from: toLocalDateTime(from), to: '' }, 120, 10);
  assert.deepEqual(f, { limit: 10, user: 'operator1', type: 'command.', assetId: 'ess', outcome: 'refused', from, beforeSeq: 120 });
  assert.equal(buildAuditFilter({ ...EMPTY_FORM, type: 'auth.signin' }).type, 'auth.signin');
});

test('paging backwards: the lowest seq of a full page, none after a short page', () => {
  const page = [{ seq: 30 }, { seq: 29 }, { seq: 28 }] as never[];
  assert.equal(nextBeforeSeq(page, 3), 28);
  assert.equal(nextBeforeSeq(page, 50), undefined);
});

test('value and row texts', () => {
  assert.equal(unwrapTarget({ 'ess/SetActivePower': 20 }, 'ess/SetActivePower'), 20);
  assert.deepEqual(unwrapTarget({ a: 1, b: 2 }, 'a'), { a: 1, b: 2 });
  assert.equal(auditValueText(null), '—');
  assert.equal(auditValueText(20), '20');
  assert.equal(auditValueText({ a: 'x'.repeat(100) }, 10).length, 10);
  assert.equal(actorText({ actor: 'viewer1', impersonator: 'admin' }), 'viewer1 (by admin)');
  assert.equal(verifyText({ ok: true, count: 12, headSeq: 12, headHash: 'h' }), 'Chain intact: 12 entries verified, head #12.');
  assert.match(verifyText({ ok: false, count: 4, firstBad: { seq: 5, problem: 'hash-mismatch' }, message: 'edited' }), /broken at entry #5 \(hash-mismatch\)/);
  assert.equal(safeFilename('../../etc/passwd'), '_.._etc_passwd');
  assert.equal(safeFilename('audit-2026.csv'), 'audit-2026.csv');
  assert.equal(safeFilename(''), 'export.csv');
});

test('before and after are readable text, not JSON', () => {
  assert.equal(readableValue({ loadStepKw: 20, pvFactor: 0.4 }), 'load step 20 kW, PV factor 0.4');
  assert.equal(readableValue({ value: 10 }), '10');
  assert.equal(readableValue({ contractedPowerKw: 60 }), 'contracted power 60 kW');
  assert.equal(readableValue({ batteryTempOffsetC: 28, speed: 60 }), 'battery temp offset 28 °C, speed 60');
  assert.equal(readableValue({ roles: ['operator', 'viewer'], disabled: false }), 'roles operator, viewer, disabled no');
  assert.equal(readableValue({ limits: { socMinPct: 10 } }), 'limits (SoC min 10 %)');
  assert.doesNotMatch(auditValueText({ a: { b: 1 } }), /[{}"]/);
  assert.equal(auditValueFull({ loadStepKw: 20, pvFactor: 0.4 }), 'load step 20 kW\nPV factor 0.4');
});
