import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { HMI_PALETTES, THEME_MODES, cssVariables, hmi, solid } from './theme';

function luminance(hex: string): number {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  assert.ok(m, `${hex} is a #rrggbb colour`);
  const n = parseInt(m[1] as string, 16);
  const ch = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * (ch[0] as number) + 0.7152 * (ch[1] as number) + 0.0722 * (ch[2] as number);
}
const contrast = (a: string, b: string): number => {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p) as [number, number];
  return (x + 0.05) / (y + 0.05);
};

describe('day and night themes', () => {
  for (const mode of THEME_MODES) {
    const p = HMI_PALETTES[mode];
    it(`${mode}: text, dim text and alarm colours are readable where they are used (WCAG AA 4.5:1)`, () => {
      for (const bg of [p.bg, p.panel, p.panelDark, p.field]) {
        assert.ok(contrast(p.text, bg) >= 4.5, `${mode} text on ${bg}`);
        assert.ok(contrast(p.textDim, bg) >= 4.5, `${mode} dim text on ${bg}: ${contrast(p.textDim, bg).toFixed(2)}`);
      }
      assert.ok(contrast(p.onAlarmHigh, p.alarmHigh) >= 4.5, `${mode} text on alarm red`);
      assert.ok(contrast(p.onAlarmMedium, p.alarmMedium) >= 4.5, `${mode} text on amber`);
      assert.ok(contrast(p.alarmHigh, p.panel) >= 3, `${mode} alarm red text/shape on a panel`);
      assert.ok(contrast(p.quality, p.panel) >= 3, `${mode} quality magenta on a panel`);
      assert.ok(contrast(p.focus, p.bg) >= 3, `${mode} focus ring on the background`);
    });
  }

  it('night is dark and day is light; alarm colours differ from the grey equipment', () => {
    assert.ok(luminance(HMI_PALETTES.night.bg) < 0.05 && luminance(HMI_PALETTES.day.bg) > 0.5);
    for (const mode of THEME_MODES) for (const c of ['alarmHigh', 'alarmMedium', 'quality'] as const) assert.notEqual(HMI_PALETTES[mode][c], HMI_PALETTES[mode].equipment);
  });

  it('hmi.x is a CSS variable that both themes define, and solid() resolves it per theme', () => {
    assert.equal(hmi.alarmHigh, 'var(--hmi-alarm-high)');
    assert.equal(cssVariables('night')['--hmi-alarm-high'], HMI_PALETTES.night.alarmHigh);
    assert.deepEqual(Object.keys(cssVariables('day')), Object.keys(cssVariables('night')));
    assert.equal(solid(hmi.text, 'day'), HMI_PALETTES.day.text);
    assert.equal(solid(hmi.text, 'night'), HMI_PALETTES.night.text);
    assert.equal(solid('#123456', 'night'), '#123456');
  });
});
