import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkExpression, compileExpression } from './expression';

const values: Record<string, number | boolean | string | null> = {
  'ess1/Temperature': 42,
  'ess1/Soc': 80,
  'ess1/ActivePower': -60,
  'pcc-meter/ActivePower': 120,
  'ev1/Status': 2,
  'brk1/Closed': true,
  'x1/Mode': 'island',
  'dead/Value': null,
};
const get = (id: string) => (id in values ? values[id] : undefined);

test('expression: table of sources and results', () => {
  const table: Array<[string, unknown]> = [
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['-2 * -3', 6],
    ['10 / 4', 2.5],
    ['1 - 2 - 3', -4],
    ['8 / 2 / 2', 2],
    ['ess1/Temperature > 40', true],
    ['ess1/Temperature > 40 and ess1/Soc > 90', false],
    ['ess1/Temperature > 40 or ess1/Soc > 90', true],
    ['not ess1/Temperature > 40', false],
    ['!(ess1/Soc < 50) && brk1/Closed', true],
    ['abs(ess1/ActivePower) > 50', true],
    ['max(ess1/Soc, 90, 85)', 90],
    ['min(ess1/Soc, 90)', 80],
    ['ess1/Soc / 2', 40],
    ['ess1/Soc/2', 40],
    ['ess1/Soc-10', 70],
    ['pcc-meter/ActivePower - 100', 20],
    ['{pcc-meter/ActivePower} >= 120', true],
    ['ev1/Status == 2', true],
    ['ev1/Status != 2', false],
    ['x1/Mode == "island"', true],
    ["x1/Mode == 'grid'", false],
    ['brk1/Closed == true', true],
    ['true and false', false],
    ['1e2 + .5', 100.5],
    ['1 / 0', undefined],
    ['ess1/Missing > 3', undefined],
    ['dead/Value > 3', undefined],
    // three-valued logic: false and unknown = false, true or unknown = true
    ['ess1/Missing > 3 and ess1/Soc > 90', false],
    ['ess1/Missing > 3 or ess1/Soc > 50', true],
    ['ess1/Missing > 3 or ess1/Soc > 90', undefined],
  ];
  for (const [src, want] of table) {
    assert.equal(compileExpression(src).evaluate(get), want, src);
  }
});

test('expression: lists the points it reads', () => {
  const e = compileExpression('ess1/Temperature > 40 and abs({pcc-meter/ActivePower}) > ess1/Soc');
  assert.deepEqual([...e.points].sort(), ['ess1/Soc', 'ess1/Temperature', 'pcc-meter/ActivePower']);
});

test('expression: rejects what is not in the language, with the position', () => {
  const bad: Array<[string, RegExp]> = [
    ['process.exit(1)', /unexpected character "\."/],
    ['process', /unknown name "process"/],
    ['ess1/Soc = 3', /use "=="/],
    ['1 +', /unexpected end/],
    ['(1 + 2', /expected "\)"/],
    ['1 < 2 < 3', /chained comparison/],
    ['abs(1, 2)', /abs takes one argument/],
    ['constructor', /unknown name/],
    ['ess1/Soc; drop', /unexpected character ";"/],
    ['`x`', /unexpected character/],
    ['"open', /unterminated string/],
    ['1 2', /unexpected "2"/],
    ['(' .repeat(100) + '1' + ')'.repeat(100), /nested too deeply/],
    ['x'.repeat(2001), /longer than/],
  ];
  for (const [src, re] of bad) {
    const msg = checkExpression(src);
    assert.ok(msg, `should reject ${src.slice(0, 30)}`);
    assert.match(msg, re, src.slice(0, 30));
  }
  assert.match(checkExpression('1 +') ?? '', /at character 4/);
  assert.equal(checkExpression('ess1/Soc > 3'), undefined);
});
