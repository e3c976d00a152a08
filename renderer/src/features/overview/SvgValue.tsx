/**
 * A live value inside the SVG synoptic. The <text data-testid="value-<id>" data-quality=...>
 * holds only the formatted number (or enum label); the unit and the quality tag are separate
 * elements. A degraded value is grey on a hatched patch with its qualityLabel in magenta; a
 * value past its range that the device still reports is drawn in alarm colour, bold, with its
 * RANGE tag beside it (never greyed: an alarmed value must stay easy to see).
 */
import { memo } from 'react';
import { usePoint, usePointMeta } from '../../api/hooks';
import { viewOf } from '../../format/format';
import { hmi } from '../../theme';

export const HATCH_ID = 'esm-hatch';

/** Pattern definitions used by SvgValue; render once per <svg>. */
export function SvgDefs() {
  return (
    <defs>
      <pattern id={HATCH_ID} width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
        <rect width="6" height="6" fill="#EDEDED" />
        <line x1="0" y1="0" x2="0" y2="6" stroke="#BDBDBD" strokeWidth="2" />
      </pattern>
      <marker id="esm-arrow" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="5" markerHeight="5" orient="auto-start-reverse">
        <path d="M0,0 L10,5 L0,10 z" fill={hmi.equipment} />
      </marker>
    </defs>
  );
}

export interface SvgValueProps {
  id: string;
  /** x of the value's right edge (the unit follows to the right) */
  x: number;
  y: number;
  size?: number;
  decimals?: number;
  abnormal?: 'high' | 'medium' | null;
  bold?: boolean;
  /** where the quality tag goes (its right edge and baseline); default: just left of the value */
  tagX?: number;
  tagY?: number;
}

/** Rough text width for the hatched patch (digits are tabular). */
export function textWidth(text: string, size: number): number {
  return Math.max(1, text.length) * size * 0.6;
}

export const SvgValue = memo(function SvgValue({ id, x, y, size = 15, decimals, abnormal = null, bold = true, tagX, tagY }: SvgValueProps) {
  const state = usePoint(id);
  const meta = usePointMeta(id);
  const v = viewOf(state, meta, decimals);
  const w = textWidth(v.text, size);
  const fill = v.degraded ? hmi.textDegraded : abnormal === 'high' || v.pastRange ? hmi.alarmHigh : hmi.text;
  const unit = meta?.unit && !meta.states ? meta.unit : '';
  return (
    <g>
      {v.degraded ? <rect x={x - w - 3} y={y - size * 0.85} width={w + 6} height={size * 1.1} fill={`url(#${HATCH_ID})`} /> : null}
      {!v.degraded && abnormal === 'medium' ? (
        <rect x={x - w - 3} y={y - size * 0.85} width={w + 6} height={size * 1.1} fill={hmi.alarmMedium} />
      ) : null}
      <text
        x={x}
        y={y}
        textAnchor="end"
        fontSize={size}
        fontWeight={bold || abnormal || v.pastRange ? 700 : 500}
        fill={fill}
        style={{ fontVariantNumeric: 'tabular-nums' }}
        data-testid={`value-${id}`}
        data-quality={v.level}
        data-reason={state?.quality.reason ?? (state ? '' : 'initial')}
        data-degraded={v.degraded ? 'true' : 'false'}
      >
        {v.text}
      </text>
      {unit ? (
        <text x={x + 4} y={y} fontSize={size * 0.72} fill={hmi.textDim}>
          {unit}
        </text>
      ) : null}
      {v.label ? <SvgQualityTag x={tagX ?? x - w - 8} y={tagY ?? y} label={v.label} size={tagY !== undefined ? 15 : size} /> : null}
    </g>
  );
});

export function SvgQualityTag({ x, y, label, size }: { x: number; y: number; label: string; size: number }) {
  const fs = Math.max(9.5, size * 0.6);
  const w = label.length * fs * 0.78 + 8;
  return (
    <g aria-label={`quality ${label}`}>
      <title>{`Value quality: ${label}`}</title>
      <rect x={x - w} y={y - fs - 1} width={w} height={fs + 4} fill="#FFFFFF" stroke={hmi.quality} strokeWidth={1.2} rx={2} />
      <text x={x - w / 2} y={y} textAnchor="middle" fontSize={fs} fontWeight={700} fill={hmi.quality} letterSpacing={0.4}>
        {label}
      </text>
    </g>
  );
}
