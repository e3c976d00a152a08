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
 */
import { createTheme } from '@mui/material/styles';

export const hmi = {
  /** screen background */
  bg: '#D4D4D4',
  /** panels, cards, table body */
  panel: '#E3E3E3',
  /** headers, status bar */
  panelDark: '#C8C8C8',
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
  // ---- reserved for abnormal states
  alarmHigh: '#C62828',
  alarmMedium: '#E0A100',
  quality: '#A3009A',
  // ---- interaction only
  focus: '#1A56A8',
} as const;

/** Hatching behind a degraded value (HTML). */
export const degradedBackground = `repeating-linear-gradient(135deg, transparent 0 4px, rgba(0,0,0,0.10) 4px 6px)`;

export const monoNumbers = { fontVariantNumeric: 'tabular-nums' } as const;

/** A text field or select on the light panel background. */
export const fieldSx = { '& .MuiInputBase-root': { bgcolor: '#EDEDED' } } as const;

export const theme = createTheme({
  palette: {
    mode: 'light',
    background: { default: hmi.bg, paper: hmi.panel },
    text: { primary: hmi.text, secondary: hmi.textDim, disabled: hmi.textDegraded },
    primary: { main: '#3F4B57', contrastText: '#FFFFFF' },
    secondary: { main: '#5E5E5E' },
    error: { main: hmi.alarmHigh },
    warning: { main: hmi.alarmMedium, contrastText: '#1E1E1E' },
    info: { main: '#5E5E5E' },
    success: { main: '#5E5E5E' },
    divider: hmi.line,
    action: { focus: 'rgba(26,86,168,0.16)' },
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
        body: { backgroundColor: hmi.bg, color: hmi.text },
        // 'body *' outranks MUI's `outline: 0` on buttons: every keyboard focus is visible
        'body *:focus-visible': { outline: `3px solid ${hmi.focus}`, outlineOffset: 1 },
      },
    },
    MuiButtonBase: { defaultProps: { disableRipple: true } },
    MuiPaper: { defaultProps: { elevation: 0 }, styleOverrides: { root: { border: `1px solid ${hmi.line}` } } },
    MuiTableCell: {
      styleOverrides: {
        root: { borderBottom: `1px solid ${hmi.line}`, padding: '4px 10px' },
        head: { fontWeight: 600, backgroundColor: hmi.panelDark },
      },
    },
    MuiTooltip: { defaultProps: { arrow: true } },
    // MUI's default (54 % black) is below 4.5:1 on the grey panels
    MuiToggleButton: { styleOverrides: { root: { color: hmi.textDim } } },
  },
});
