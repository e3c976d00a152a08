import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { defaultProfileDirs, loadSite } from './load';

const ROOT = join(__dirname, '..', '..');
const demo = readFileSync(join(ROOT, 'assets', 'sites', 'demo', 'site.yaml'), 'utf8');

describe('the loader warns where a literal alarm limit disagrees with a site parameter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'esm-limitwarn-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const load = (text: string) => {
    const f = join(dir, 'site.yaml');
    writeFileSync(f, text);
    return { f, loaded: loadSite(f, defaultProfileDirs(ROOT)) };
  };
  const lineOf = (text: string, re: RegExp): number => text.slice(0, text.search(re)).split('\n').length;

  it('the demo (limits written as refs) has no warning', () => {
    assert.deepEqual(load(demo).loaded.warnings, []);
  });

  it('a PCC import alarm at a literal 60 kW against an 8 kW contract, and a SoC-low alarm at 5 % below a 10 % reserve, are warned with file:line', () => {
    const text = demo
      .replace(/contractedPowerKw: 60\b/, 'contractedPowerKw: 8')
      .replace(/(id: pcc-meter\.import\.H[\s\S]*?setpoint: )\{ ref: contractedPowerKw \}/, '$160')
      .replace(/(id: ess\.soc\.L\b[\s\S]*?setpoint: )\{ ref: socMinPct \}/, '$15');
    assert.notEqual(text, demo);
    const { f, loaded } = load(text);
    const w = loaded.warnings ?? [];
    assert.equal(w.length, 2, w.join('\n'));
    const pccLine = lineOf(text, /(?<=id: pcc-meter\.import\.H[\s\S]*?)setpoint: 60/);
    const socLine = lineOf(text, /(?<=id: ess\.soc\.L\b[\s\S]*?)setpoint: 5\b/);
    const pcc = w.find((x) => x.includes('pcc-meter.import.H'));
    const soc = w.find((x) => x.includes('ess.soc.L'));
    assert.ok(pcc?.startsWith(`${f}:${pccLine}:`), pcc);
    assert.match(pcc ?? '', /60 kW, above the contracted power of 8 kW/);
    assert.ok(soc?.startsWith(`${f}:${socLine}:`), soc);
    assert.match(soc ?? '', /5 %, below the battery's SoC reserve of 10 %/);
  });

  it('a literal that agrees with the parameter (at or inside it) is not warned about', () => {
    const text = demo.replace(/(id: pcc-meter\.import\.H[\s\S]*?setpoint: )\{ ref: contractedPowerKw \}/, '$155');
    assert.deepEqual(load(text).loaded.warnings, []);
  });
});
