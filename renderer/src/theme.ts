/**
 * HMI palette and MUI theme, after ISA-101 "high performance" practice:
 *
 *  - The normal plant is grey: light grey background, mid-grey equipment, dark grey text.
 *    Running, online, closed, charging ... are told by text and shape, never by colour.
 *  - Colour means "look here" and is reserved for abnormal situations:
 *      red      `alarmHigh`   a limit exceeded, a device offline, a fault, the core unreachable
 *      amber    `alarmMedium` a warning: outside an operating band, connecting, degraded
 *      magenta  `quality`     the value itself is not trustworthy (COMM, STALE, BAD, RANGE, MAN, INIT)
 *  - `focus` (blue) is used only for the keyboard focus ring and the selected navigation item
 *    marker; it never encodes a process state.
 *  - A value of bad or uncertain quality is greyed, drawn on a hatched background and labelled
 *    with qualityLabel(); it never looks like a good value. Except a value past its range that
 *    the device still reports (RANGE): it is drawn in alarm red, bold, with its RANGE tag beside
 *    it — an alarmed value must not get harder to see.
 *  - Never rely on colour alone: abnormal states always carry text (label, icon + word).
 *
 * Two themes with the same meanings: the light "day" theme and the dark control-room "night"
 * theme (docs/decisions/0007). `hmi.x` is a CSS variable (`var(--hmi-x)`) set on :root by the
 * active theme, so styles and SVG follow a switch without re-creating them; where a concrete
 * colour is needed (ECharts draws on a canvas) `solid(hmi.x)` gives the active theme's value.
 */
import { createTheme, type Theme } from '@mui/material/styles';

export type ThemeMode = 'day' | 'night';
export const THEME_MODES: readonly ThemeMode[] = ['day', 'night'];

/** The light ISA-101 day palette. */
const DAY = {
  /** screen background */
  bg: '#D4D4D4',
  /** panels, cards, table body */
  panel: '#E3E3E3',
  /** headers, status bar */
  panelDark: '#C8C8C8',
  /** input fields and raised surfaces on a panel */
  field: '#EDEDED',
  /** borders and grid lines */
  line: '#A3A3A3',
  /** single-line diagram: energised equipment and conductors */
  equipment: '#4F4F4F',
  /** de-energised / idle equipment */
  equipmentDim: '#9A9A9A',
  text: '#1E1E1E',
  textDim: '#505050',
  /** text of a value that is not to be trusted */
  textDegraded: '#7D7D7D',
  /** bar gauges: fill of a normal value, and its track */
  gaugeFill: '#6B6B6B',
  gaugeTrack: '#F2F2F2',
  /** every other row of a table, and the row with the keyboard focus */
  rowAlt: '#E9E9E9',
  rowFocus: '#F4F4F4',
  /** hover shade over a transparent control */
  hover: 'rgba(0,0,0,0.06)',
  /** the stripes behind a degraded value */
  hatch: 'rgba(0,0,0,0.10)',
  // ---- reserved for abnormal states
  alarmHigh: '#C62828',
  /** text and icons on an alarmHigh background */
  onAlarmHigh: '#FFFFFF',
  alarmHighHover: '#A52222',
  alarmMedium: '#E0A100',
  /** text and icons on an alarmMedium background */
  onAlarmMedium: '#1E1E1E',
  quality: '#A3009A',
  // ---- interaction only
  focus: '#1A56A8',
};

export type HmiKey = keyof typeof DAY;
export type HmiPalette = Record<HmiKey, string>;

/** The dark night palette: same roles, low luminance, alarm colours lifted for contrast on dark grey. */
const NIGHT: HmiPalette = {
  bg: '#1B1E21',
  panel: '#24282C',
  panelDark: '#2E3338',
  field: '#1E2226',
  line: '#50565C',
  equipment: '#B9BFC5',
  equipmentDim: '#6F767C',
  text: '#E6E8EA',
  textDim: '#B0B6BC',
  textDegraded: '#959BA1',
  gaugeFill: '#9AA1A8',
  gaugeTrack: '#15181A',
  rowAlt: '#2A2F34',
  rowFocus: '#353B41',
  hover: 'rgba(255,255,255,0.08)',
  hatch: 'rgba(255,255,255,0.12)',
  alarmHigh: '#FF6B5E',
  onAlarmHigh: '#111111',
  alarmHighHover: '#FF8A7F',
  alarmMedium: '#F2B600',
  onAlarmMedium: '#111111',
  quality: '#F07BEA',
  focus: '#7FB2FF',
};

export const HMI_PALETTES: Record<ThemeMode, HmiPalette> = { day: DAY, night: NIGHT };

const KEYS = Object.keys(DAY) as HmiKey[];
const cssName = (k: string): string => `--hmi-${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The HMI colours as CSS variables of the active theme: use in sx, style and SVG attributes. */
export const hmi: Readonly<HmiPalette> = Object.fromEntries(KEYS.map((k) => [k, `var(${cssName(k)})`])) as HmiPalette;

/** The custom properties that define `hmi` for a theme (set on :root). */
export function cssVariables(mode: ThemeMode): Record<string, string> {
  const p = HMI_PALETTES[mode];
  return Object.fromEntries(KEYS.map((k) => [cssName(k), p[k]]));
}

/** The theme shown now (set on <html data-theme> by the app; day outside a browser). */
export function activeMode(): ThemeMode {
  const m = typeof document === 'undefined' ? undefined : document.documentElement.dataset.theme;
  return m === 'night' ? 'night' : 'day';
}

const BY_VAR = new Map(KEYS.map((k) => [`var(${cssName(k)})`, k]));

/** A concrete colour for `c` in `mode` (default: the active theme): `hmi.x` resolved, anything else as given. */
export function solid(c: string, mode: ThemeMode = activeMode()): string {
  const k = BY_VAR.get(c);
  return k ? HMI_PALETTES[mode][k] : c;
}

/** Hatching behind a degraded value (HTML). */
export const degradedBackground = `repeating-linear-gradient(135deg, transparent 0 4px, ${hmi.hatch} 4px 6px)`;

export const monoNumbers = { fontVariantNumeric: 'tabular-nums' } as const;

/** A text field or select on the panel background. */
export const fieldSx = { '& .MuiInputBase-root': { bgcolor: hmi.field } } as const;

/** The MUI theme of a mode: concrete palette (MUI computes shades from it) and the HMI variables on :root. */
export function makeTheme(mode: ThemeMode): Theme {
  const p = HMI_PALETTES[mode];
  const night = mode === 'night';
  return createTheme({
    palette: {
      mode: night ? 'dark' : 'light',
      background: { default: p.bg, paper: p.panel },
      text: { primary: p.text, secondary: p.textDim, disabled: p.textDegraded },
      primary: night ? { main: '#A9B8C6', contrastText: '#111111' } : { main: '#3F4B57', contrastText: '#FFFFFF' },
      secondary: { main: night ? '#B0B6BC' : '#5E5E5E' },
      error: { main: p.alarmHigh, contrastText: p.onAlarmHigh },
      warning: { main: p.alarmMedium, contrastText: p.onAlarmMedium },
      info: { main: night ? '#B0B6BC' : '#5E5E5E' },
      success: { main: night ? '#B0B6BC' : '#5E5E5E' },
      divider: p.line,
      action: { focus: night ? 'rgba(127,178,255,0.20)' : 'rgba(26,86,168,0.16)' },
    },
    shape: { borderRadius: 3 },
    typography: {
      fontFamily: '"Segoe UI", "Noto Sans", "DejaVu Sans", Roboto, Helvetica, Arial, sans-serif',
      fontSize: 14,
      h1: { fontSize: '1.35rem', fontWeight: 600 },
      h2: { fontSize: '1.1rem', fontWeight: 600 },
      h3: { fontSize: '1rem', fontWeight: 600 },
    },
    components: {
      MuiCssBaseline: {
        styleOverrides: {
          ':root': { ...cssVariables(mode), colorScheme: night ? 'dark' : 'light' },
          body: { backgroundColor: p.bg, color: p.text },
          // 'body *' outranks MUI's `outline: 0` on buttons: every keyboard focus is visible
          'body *:focus-visible': { outline: `3px solid ${p.focus}`, outlineOffset: 1 },
        },
      },
      MuiButtonBase: { defaultProps: { disableRipple: true } },
      MuiPaper: { defaultProps: { elevation: 0 }, styleOverrides: { root: { border: `1px solid ${p.line}`, backgroundImage: 'none' } } },
      MuiTableCell: {
        styleOverrides: {
          root: { borderBottom: `1px solid ${p.line}`, padding: '4px 10px' },
          head: { fontWeight: 600, backgroundColor: p.panelDark },
        },
      },
      MuiTooltip: { defaultProps: { arrow: true } },
      // MUI's default (54 % black) is below 4.5:1 on the grey panels
      MuiToggleButton: { styleOverrides: { root: { color: p.textDim } } },
    },
  });
}

/** The day theme (the default). */
export const theme = makeTheme('day');
