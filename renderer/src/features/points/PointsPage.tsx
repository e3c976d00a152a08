/**
 * All points, virtualised: only the visible rows exist in the DOM and only they subscribe to
 * their points, so 10,000 points changing every second cost what ~30 rows cost.
 * Each value cell: data-testid="value-<id>" data-quality=<level> data-reason=<reason>.
 * A source time whose clock is not trustworthy (IEC 61850 TimeQuality: clock failure, not
 * synchronised, accuracy unspecified) shows a TIME tag in the quality cell, the flags in words
 * (data-testid="tq-<id>"), and every flag in the time's tooltip.
 */
import Box from '@mui/material/Box';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useDeferredValue, useMemo, useRef, useState } from 'react';
import type { PointMeta } from '../../../../core/common/point';
import { timeQualityDetail, timeQualityText } from '../../../../core/common/quality';
import { useNow, usePoint, usePointMetaList, useSite } from '../../api/hooks';
import { AssetSelect } from '../../components/AssetSelect';
import { cellSx, GridTable, virtualRowSx } from '../../components/GridTable';
import { QualityTag } from '../../components/QualityValue';
import { formatAge, formatTime, viewOf } from '../../format/format';
import { degradedBackground, hmi, monoNumbers } from '../../theme';
import { FilterField } from '../../components/FilterField';
import { assetIdsOf, filterPoints } from './filterPoints';

const ROW_H = 30;
const COLUMNS = 'minmax(190px, 1.3fr) minmax(180px, 2fr) 130px 64px 110px 116px 76px';
const HEADERS = ['Point', 'Description', 'Value', 'Unit', 'Quality', 'Source time', 'Age'];

export function PointsPage() {
  const all = usePointMetaList();
  const site = useSite();
  const [text, setText] = useState('');
  const [assetId, setAssetId] = useState('');
  const deferredText = useDeferredValue(text);
  const rows = useMemo(() => filterPoints(all, { text: deferredText, assetId }), [all, deferredText, assetId]);
  const assets = useMemo(() => assetIdsOf(all), [all]);
  const assetName = useMemo(() => new Map(site?.assets.map((a) => [a.id, a.name]) ?? []), [site]);

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1.5, flex: 1, minHeight: 0 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, flexWrap: 'wrap' }}>
        <Typography variant="h2" component="h2">
          Points
        </Typography>
        <FilterField label="Filter points" value={text} onChange={setText} placeholder="id or description, e.g. ess1 soc" width={300} testid="points-filter" />
        <AssetSelect value={assetId} onChange={setAssetId} assets={assets} names={assetName} width={220} testid="points-asset" />
        <Typography sx={{ color: hmi.textDim, fontSize: 13, ...monoNumbers }} role="status" data-testid="points-count">
          {rows.length === all.length ? `${all.length} points` : `${rows.length} of ${all.length} points`}
        </Typography>
      </Box>
      <PointTable rows={rows} timeZone={site?.timezone} />
    </Box>
  );
}

function PointTable({ rows, timeZone }: { rows: readonly PointMeta[]; timeZone: string | undefined }) {
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_H, overscan: 12 });
  const items = v.getVirtualItems();
  return (
    <Paper sx={{ flex: 1, minHeight: 200, display: 'flex', flexDirection: 'column', overflow: 'hidden' }}>
      <GridTable
        label="Points"
        rowCount={rows.length}
        columns={COLUMNS}
        header={HEADERS.map((h, i) => (
          <Box key={h} role="columnheader" sx={{ px: 1.25, py: 0.75, textAlign: i === 2 || i >= 5 ? 'right' : 'left' }}>
            {h}
          </Box>
        ))}
        scrollerRef={scroller}
        scrollerTestId="points-scroller"
        totalSize={v.getTotalSize()}
        footer={rows.length === 0 ? <Box sx={{ p: 2, color: hmi.textDim }}>No points match.</Box> : null}
      >
        {items.map((it) => {
          const meta = rows[it.index];
          return meta ? <PointRow key={meta.id} meta={meta} index={it.index} top={it.start} timeZone={timeZone} /> : null;
        })}
      </GridTable>
    </Paper>
  );
}

const cell = cellSx(ROW_H, 1.25);

const PointRow = memo(function PointRow({ meta, index, top, timeZone }: { meta: PointMeta; index: number; top: number; timeZone: string | undefined }) {
  const state = usePoint(meta.id);
  const now = useNow(1000);
  const v = viewOf(state, meta);
  const tqText = timeQualityText(state?.tq);
  return (
    <Box
      role="row"
      aria-rowindex={index + 2}
      data-point={meta.id}
      sx={{
        ...virtualRowSx(top, ROW_H, COLUMNS),
        fontSize: 13,
        borderBottom: `1px solid ${hmi.line}`,
        bgcolor: index % 2 ? hmi.panel : hmi.rowAlt,
      }}
    >
      <Box role="cell" sx={{ ...cell, fontFamily: 'monospace', fontSize: 12.5 }} title={meta.id}>
        {meta.id}
      </Box>
      <Box role="cell" sx={{ ...cell, color: hmi.textDim }} title={meta.description}>
        {meta.description ?? ''}
      </Box>
      <Box role="cell" sx={{ ...cell, textAlign: 'right', ...monoNumbers }}>
        <Box
          component="span"
          data-testid={`value-${meta.id}`}
          data-quality={v.level}
          data-reason={state?.quality.reason ?? (state ? '' : 'initial')}
          sx={{ px: 0.5, fontWeight: 600, color: v.degraded ? hmi.textDegraded : v.pastRange ? hmi.alarmHigh : hmi.text, background: v.degraded ? degradedBackground : undefined }}
        >
          {v.text}
        </Box>
      </Box>
      <Box role="cell" sx={{ ...cell, color: hmi.textDim }}>
        {meta.states ? '' : meta.unit}
      </Box>
      <Box role="cell" sx={{ ...cell, display: 'flex', alignItems: 'center', gap: 0.75 }}>
        {v.label ? <QualityTag label={v.label} /> : <Box component="span" sx={{ color: hmi.textDim }}>good</Box>}
        {tqText ? (
          <Box component="span" data-testid={`tq-${meta.id}`} data-time-quality={tqText} sx={{ display: 'inline-flex' }}>
            <QualityTag label="TIME" title={`Source time: ${tqText}`} />
          </Box>
        ) : null}
      </Box>
      <Box role="cell" sx={{ ...cell, textAlign: 'right', ...monoNumbers }} title={state?.tq ? `source time quality: ${timeQualityDetail(state.tq)}` : undefined} data-time-quality={tqText || undefined}>
        {state ? formatTime(state.ts, timeZone) : ''}
      </Box>
      <Box role="cell" sx={{ ...cell, textAlign: 'right', ...monoNumbers, color: hmi.textDim }}>
        {state ? formatAge(now - state.ts) : ''}
      </Box>
    </Box>
  );
});
