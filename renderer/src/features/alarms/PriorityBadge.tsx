/**
 * Priority shown redundantly: a shape per priority (1 diamond, 2 triangle, 3 square, 4 circle)
 * with the priority number inside, filled with the priority colour. Unacknowledged alarms blink
 * slowly (0.5 Hz, opacity only) unless the user prefers reduced motion; they always also carry
 * an outline ring, so the state never depends on the animation.
 */
import { keyframes } from '@mui/material/styles';
import type { AlarmPriority } from '../../../../core/common/alarms';
import { hmi } from '../../theme';
import { PRIORITY_STYLE } from './alarmModel';

const blink = keyframes`
  0%, 55% { opacity: 1; }
  70%, 90% { opacity: 0.3; }
  100% { opacity: 1; }
`;

/** CSS for a slowly blinking element (2 s period), off with prefers-reduced-motion. */
export const unackBlink = {
  '@media (prefers-reduced-motion: no-preference)': { animation: `${blink} 2s ease-in-out infinite` },
} as const;

/** The shape, centred on (cx, cy), size = its box side; for use inside an <svg>. */
export function PriorityShape({ priority, cx, cy, size, unack = false }: { priority: AlarmPriority; cx: number; cy: number; size: number; unack?: boolean }) {
  const s = PRIORITY_STYLE[priority];
  const h = size / 2;
  let shape;
  let textY = cy + size * 0.17;
  switch (s.shape) {
    case 'diamond':
      shape = <path d={`M${cx},${cy - h} L${cx + h},${cy} L${cx},${cy + h} L${cx - h},${cy} z`} />;
      break;
    case 'triangle':
      shape = <path d={`M${cx},${cy - h} L${cx + h},${cy + h * 0.8} L${cx - h},${cy + h * 0.8} z`} />;
      textY = cy + size * 0.3;
      break;
    case 'square':
      shape = <rect x={cx - h * 0.82} y={cy - h * 0.82} width={h * 1.64} height={h * 1.64} />;
      break;
    case 'circle':
      shape = <circle cx={cx} cy={cy} r={h * 0.86} />;
      break;
  }
  return (
    <g>
      {unack ? (
        <circle cx={cx} cy={cy} r={h + 2.5} fill="none" stroke={hmi.text} strokeWidth={1.2} strokeDasharray="3 2" data-unack-ring="" />
      ) : null}
      <g fill={s.fill} stroke={hmi.text} strokeWidth={1}>
        {shape}
      </g>
      <text x={cx} y={textY} textAnchor="middle" fontSize={size * 0.5} fontWeight={700} fill={s.ink} style={{ fontVariantNumeric: 'tabular-nums' }}>
        {s.number}
      </text>
    </g>
  );
}

/** Inline badge (HTML): the shape in its own small svg, with an accessible name. */
export function PriorityBadge({ priority, unack = false, size = 20, showLabel = false }: { priority: AlarmPriority; unack?: boolean; size?: number; showLabel?: boolean }) {
  const s = PRIORITY_STYLE[priority];
  const box = size + 8;
  return (
    <span
      style={{ display: 'inline-flex', alignItems: 'center', gap: 4, verticalAlign: 'middle' }}
      data-priority={priority}
      title={`Priority ${s.number} ${s.label}${unack ? ', unacknowledged' : ''}`}
    >
      <svg width={box} height={box} viewBox={`0 0 ${box} ${box}`} role="img" aria-label={`Priority ${s.number} ${s.label}${unack ? ', unacknowledged' : ''}`} style={{ flexShrink: 0, display: 'block' }}>
        <PriorityShape priority={priority} cx={box / 2} cy={box / 2} size={size} unack={unack} />
      </svg>
      {showLabel ? <span style={{ fontSize: 12, fontWeight: 600 }}>{s.label}</span> : null}
    </span>
  );
}
