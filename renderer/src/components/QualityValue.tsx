/**
 * A live point value in HTML (tables, panels). The element with data-testid="value-<id>" holds
 * only the formatted value text and carries data-quality (good | uncertain | bad) and
 * data-reason; unit and quality label are siblings.
 */
import Box from '@mui/material/Box';
import { memo } from 'react';
import { usePoint, usePointMeta } from '../api/hooks';
import { viewOf } from '../format/format';
import { degradedBackground, hmi, monoNumbers } from '../theme';

export interface QualityValueProps {
  id: string;
  /** show the unit after the value */
  unit?: boolean;
  decimals?: number;
  /** state to paint as abnormal (the caller decides the limit) */
  abnormal?: 'high' | 'medium';
}

export const QualityValue = memo(function QualityValue({ id, unit = true, decimals, abnormal }: QualityValueProps) {
  const state = usePoint(id);
  const meta = usePointMeta(id);
  const v = viewOf(state, meta, decimals);
  // a value past its range the device still reports: alarm colour, RANGE tag beside it, not greyed
  const colour = v.degraded ? hmi.textDegraded : abnormal === 'high' || v.pastRange ? hmi.alarmHigh : abnormal === 'medium' ? hmi.onAlarmMedium : hmi.text;
  return (
    <Box
      component="span"
      sx={{ display: 'inline-flex', alignItems: 'baseline', gap: 0.5, whiteSpace: 'nowrap', ...monoNumbers }}
    >
      <Box
        component="span"
        data-testid={`value-${id}`}
        data-quality={v.level}
        data-reason={state?.quality.reason ?? (state ? '' : 'initial')}
        data-degraded={v.degraded ? 'true' : 'false'}
        sx={{
          color: colour,
          fontWeight: (abnormal || v.pastRange) && !v.degraded ? 700 : 500,
          px: 0.5,
          background: v.degraded ? degradedBackground : abnormal === 'medium' ? hmi.alarmMedium : undefined,
        }}
      >
        {v.text}
      </Box>
      {unit && meta?.unit && !meta.states ? (
        <Box component="span" sx={{ color: hmi.textDim, fontSize: '0.85em' }}>
          {meta.unit}
        </Box>
      ) : null}
      {v.label ? <QualityTag label={v.label} /> : null}
    </Box>
  );
});

export function QualityTag({ label, title }: { label: string; title?: string }) {
  return (
    <Box
      component="span"
      title={title ?? `Value quality: ${label}`}
      sx={{
        border: `1px solid ${hmi.quality}`,
        color: hmi.quality,
        fontSize: '0.72em',
        fontWeight: 700,
        lineHeight: 1.3,
        px: 0.5,
        borderRadius: 0.5,
        letterSpacing: 0.5,
      }}
    >
      {label}
    </Box>
  );
}
