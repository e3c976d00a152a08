/**
 * Alarm summary (ISA-18.2 "alarm list"): the live alarms in a virtualised table, sortable and
 * filterable; views for shelved / suppressed / out-of-service alarms; acknowledge one, the
 * selection or the visible page; a detail pane with rationalisation text (consequence,
 * response), the automatic procedure's result, the operator actions and the alarm's journal.
 *
 * Hooks for tests: `alarm-row` (data-alarm-id, data-state, data-priority), `alarm-detail`,
 * `alarm-ack`, `alarm-ack-selected`, `alarm-ack-page`, `alarm-procedure`, `alarm-history-list`,
 * `alarm-view-<view>`, `alarm-filter-text`, `alarms-count`, `alarm-action-error`.
 */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import ArrowDropDownIcon from '@mui/icons-material/ArrowDropDown';
import ArrowDropUpIcon from '@mui/icons-material/ArrowDropUp';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useDeferredValue, useMemo, useRef, useState } from 'react';
import { ALARM_PRIORITIES, ALARM_STATES, type AlarmPriority, type AlarmView } from '../../../../core/common/alarms';
import { useClient, useSite } from '../../api/hooks';
import { GuardedButton, useCapabilityReason } from '../../components/Guarded';
import { toApiError } from '../../api/errors';
import { AssetSelect } from '../../components/AssetSelect';
import { cellSx, GridTable, virtualRowSx } from '../../components/GridTable';
import { formatDateTime, formatTime } from '../../format/format';
import { fieldSx, hmi, monoNumbers } from '../../theme';
import { FilterField } from '../../components/FilterField';
import {
  ALARM_VIEWS,
  countByView,
  isUnacknowledged,
  PRIORITY_STYLE,
  selectAlarms,
  STATE_LABEL,
  VIEW_LABEL,
  type AlarmFilter,
  type AlarmListView,
  type SortKey,
  type SortSpec,
  DEFAULT_SORT,
} from './alarmModel';
import { useAlarms, useAlarmStore } from './alarmStore';
import { ErrorBar, priorityToggleSx, tabToggleSx } from './alarmUi';
import { AlarmDetail } from './AlarmDetail';
import { ALARM_DEFINITIONS_HREF, ALARM_HISTORY_HREF, ALARMS_HREF } from './links';
import { PriorityBadge, unackBlink } from './PriorityBadge';
import { useCapabilities } from './useCapabilities';
import { useHashParams } from './useHashParams';

const ROW_H = 32;
const COLUMNS = '36px 44px 140px minmax(110px, 0.8fr) minmax(220px, 2fr) 150px 110px';
const HEADERS: Array<{ label: string; key?: SortKey }> = [
  { label: '' },
  { label: 'Pri', key: 'priority' },
  { label: 'Time', key: 'time' },
  { label: 'Asset', key: 'asset' },
  { label: 'Message', key: 'message' },
  { label: 'State', key: 'state' },
  { label: 'Flags' },
];

const SINCE_OPTIONS: Array<{ label: string; ms: number }> = [
  { label: 'Any time', ms: 0 },
  { label: 'Last 10 min', ms: 600_000 },
  { label: 'Last hour', ms: 3_600_000 },
  { label: 'Last 8 h', ms: 8 * 3_600_000 },
  { label: 'Last 24 h', ms: 24 * 3_600_000 },
];

export function AlarmSummaryPage() {
  const all = useAlarms();
  const site = useSite();
  const tz = site?.timezone;
  const params = useHashParams();
  const caps = useCapabilities();
  const canAck = caps.has('alarms.ack');
  const ackWhy = useCapabilityReason('alarms.ack');
  const editWhy = useCapabilityReason('config.edit');
  const client = useClient();
  const store = useAlarmStore();

  const [view, setView] = useState<AlarmListView>('live');
  const [priorities, setPriorities] = useState<AlarmPriority[]>([]);
  const [assetState, setAsset] = useState<string | null>(null);
  const [state, setState] = useState<AlarmFilter['state']>('');
  const [sinceMs, setSinceMs] = useState(0);
  const [text, setText] = useState('');
  const [sort, setSort] = useState<SortSpec>(DEFAULT_SORT);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [focusState, setFocus] = useState<string | null>(null);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [info, setInfo] = useState<string | null>(null);

  // ?asset= and ?id= from links (banner, synoptic markers, flood groups)
  const asset = assetState ?? params.asset ?? '';
  const focusId = focusState ?? params.id ?? null;

  const deferredText = useDeferredValue(text);
  const filter: AlarmFilter = useMemo(
    () => ({ view, priorities, asset: asset || undefined, state, since: sinceMs ? Date.now() - sinceMs : undefined, text: deferredText }),
    [view, priorities, asset, state, sinceMs, deferredText],
  );
  const rows = useMemo(() => selectAlarms(all.values(), filter, sort), [all, filter, sort]);
  const viewCounts = useMemo(() => countByView(all.values()), [all]);
  const assets = useMemo(() => {
    const s = new Set<string>();
    for (const a of all.values()) if (a.asset) s.add(a.asset);
    for (const a of site?.assets ?? []) s.add(a.id);
    return [...s].sort();
  }, [all, site]);
  const assetName = useMemo(() => new Map(site?.assets.map((a) => [a.id, a.name]) ?? []), [site]);
  const focused = focusId ? all.get(focusId) : undefined;

  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_H, overscan: 10 });

  const selectedRows = rows.filter((a) => selected.has(a.id));
  const visibleUnack = (): AlarmView[] => {
    const r = v.range;
    if (!r) return rows.slice(0, 20).filter(isUnacknowledged);
    return rows.slice(r.startIndex, r.endIndex + 1).filter(isUnacknowledged);
  };

  const ack = useCallback(
    async (ids: string[]) => {
      if (ids.length === 0) return;
      setBusy(true);
      setError(null);
      setInfo(null);
      try {
        const res = await client.call('alarms.ack', comment.trim() ? { ids, comment: comment.trim() } : { ids });
        setInfo(`Acknowledged ${res.done.length}${res.skipped.length ? `, skipped ${res.skipped.length} (${res.skipped[0]?.reason ?? ''})` : ''}`);
        setComment('');
        setSelected(new Set());
      } catch (e) {
        const err = toApiError(e);
        setError(`${err.code === 'forbidden' ? 'Not allowed' : 'Failed'}: ${err.message}`);
      } finally {
        setBusy(false);
      }
    },
    [client, comment],
  );

  const toggleSort = (key: SortKey) =>
    setSort((s) => (s.key === key ? { key, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: key === 'time' ? 'desc' : 'asc' }));

  const allSelected = rows.length > 0 && rows.every((a) => selected.has(a.id));

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1.25, flex: 1, minHeight: 0 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, flexWrap: 'wrap' }}>
        <Typography variant="h2" component="h2">
          Alarm summary
        </Typography>
        <ToggleButtonGroup
          size="small"
          exclusive
          value={view}
          onChange={(_e, val: AlarmListView | null) => {
            if (val) {
              setView(val);
              setSelected(new Set());
            }
          }}
          aria-label="Alarm view"
        >
          {ALARM_VIEWS.map((vw) => (
            <ToggleButton key={vw} value={vw} data-testid={`alarm-view-${vw}`} sx={tabToggleSx}>
              {VIEW_LABEL[vw]} ({viewCounts[vw]})
            </ToggleButton>
          ))}
        </ToggleButtonGroup>
        <Box sx={{ flex: 1 }} />
        <Button size="small" href={ALARM_HISTORY_HREF} sx={{ textTransform: 'none' }}>
          Alarm history and KPIs
        </Button>
        <GuardedButton size="small" href={ALARM_DEFINITIONS_HREF} why={editWhy} showWhy={false} testId="alarm-definitions-link" sx={{ textTransform: 'none' }}>
          Alarm definitions
        </GuardedButton>
      </Box>

      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1.5, flexWrap: 'wrap' }}>
        <ToggleButtonGroup size="small" value={priorities} onChange={(_e, val: AlarmPriority[]) => setPriorities(val)} aria-label="Filter by priority">
          {ALARM_PRIORITIES.map((p) => (
            <ToggleButton key={p} value={p} aria-label={`Priority ${PRIORITY_STYLE[p].number} ${PRIORITY_STYLE[p].label}`} data-testid={`alarm-filter-priority-${p}`} sx={priorityToggleSx}>
              <PriorityBadge priority={p} size={15} showLabel />
            </ToggleButton>
          ))}
        </ToggleButtonGroup>
        <AssetSelect value={asset} onChange={setAsset} assets={assets} names={assetName} width={190} />
        <TextField select label="State" size="small" value={state ?? ''} onChange={(e) => setState(e.target.value as AlarmFilter['state'])} sx={{ width: 200, ...fieldSx }}>
          <MenuItem value="">Any state</MenuItem>
          <MenuItem value="unack">Unacknowledged</MenuItem>
          {ALARM_STATES.filter((s) => s !== 'normal').map((s) => (
            <MenuItem key={s} value={s}>
              {STATE_LABEL[s]}
            </MenuItem>
          ))}
        </TextField>
        <TextField select label="Time" size="small" value={sinceMs} onChange={(e) => setSinceMs(Number(e.target.value))} sx={{ width: 140, ...fieldSx }}>
          {SINCE_OPTIONS.map((o) => (
            <MenuItem key={o.ms} value={o.ms}>
              {o.label}
            </MenuItem>
          ))}
        </TextField>
        <FilterField label="Filter text" value={text} onChange={setText} placeholder="message, id, asset" width={220} testid="alarm-filter-text" />
        <Typography role="status" data-testid="alarms-count" sx={{ fontSize: 13, color: hmi.textDim, ...monoNumbers }}>
          {rows.length} of {viewCounts[view]} {VIEW_LABEL[view].toLowerCase()} alarms
        </Typography>
      </Box>

      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap' }}>
          <TextField
            label="Comment (optional)"
            disabled={!canAck}
            size="small"
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            sx={{ width: 280, ...fieldSx }}
            slotProps={{ htmlInput: { maxLength: 1000, 'data-testid': 'alarm-ack-comment' } }}
          />
          <GuardedButton
            variant="outlined"
            size="small"
            disabled={busy || selectedRows.filter(isUnacknowledged).length === 0}
            why={ackWhy}
            showWhy={false}
            onClick={() => void ack(selectedRows.filter(isUnacknowledged).map((a) => a.id))}
            testId="alarm-ack-selected"
            sx={{ textTransform: 'none' }}
          >
            Acknowledge selected ({selectedRows.filter(isUnacknowledged).length})
          </GuardedButton>
          <GuardedButton
            variant="outlined"
            size="small"
            disabled={busy || view !== 'live' || rows.every((a) => !isUnacknowledged(a))}
            why={ackWhy}
            onClick={() => void ack(visibleUnack().map((a) => a.id))}
            testId="alarm-ack-page"
            sx={{ textTransform: 'none' }}
            title={ackWhy ? undefined : 'Acknowledge the unacknowledged alarms visible on the screen'}
          >
            Acknowledge page
          </GuardedButton>
          {info ? (
            <Typography role="status" sx={{ fontSize: 13, color: hmi.textDim }}>
              {info}
            </Typography>
          ) : null}
          <ErrorBar error={error} testid="alarm-action-error" />
      </Box>

      <Box sx={{ display: 'flex', gap: 1.5, flex: 1, minHeight: 0 }}>
        <Paper sx={{ flex: 1, minWidth: 0, display: 'flex', flexDirection: 'column', overflow: 'hidden' }}>
          <GridTable
            label="Alarms"
            rowCount={rows.length}
            columns={COLUMNS}
            header={
              <>
                <Box role="columnheader" sx={{ display: 'flex', alignItems: 'center', justifyContent: 'center' }}>
                  <Checkbox
                    size="small"
                    checked={allSelected}
                    indeterminate={!allSelected && selectedRows.length > 0}
                    onChange={() => setSelected(allSelected ? new Set() : new Set(rows.map((a) => a.id)))}
                    slotProps={{ input: { 'aria-label': 'Select all shown alarms' } }}
                    sx={{ p: 0.25 }}
                  />
                </Box>
                {HEADERS.slice(1).map((h) => (
                  <Box
                    key={h.label}
                    role="columnheader"
                    aria-sort={h.key && sort.key === h.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}
                    sx={{ px: 1, py: 0.5, display: 'flex', alignItems: 'center' }}
                  >
                    {h.key ? (
                      <Box
                        component="button"
                        type="button"
                        onClick={() => toggleSort(h.key!)}
                        sx={{ all: 'unset', cursor: 'pointer', display: 'flex', alignItems: 'center', fontWeight: 600, '&:focus-visible': { outline: `3px solid ${hmi.focus}` } }}
                      >
                        {h.label}
                        {sort.key === h.key ? sort.dir === 'asc' ? <ArrowDropUpIcon fontSize="small" /> : <ArrowDropDownIcon fontSize="small" /> : null}
                      </Box>
                    ) : (
                      h.label
                    )}
                  </Box>
                ))}
              </>
            }
            scrollerRef={scroller}
            scrollerTestId="alarms-scroller"
            totalSize={v.getTotalSize()}
            footer={
              rows.length === 0 ? (
                <Box sx={{ p: 2, color: hmi.textDim }} data-testid="alarms-empty">
                  {viewCounts[view] === 0 ? `No ${VIEW_LABEL[view].toLowerCase()} alarms.` : 'No alarms match the filter.'}
                </Box>
              ) : null
            }
          >
            {v.getVirtualItems().map((it) => {
              const a = rows[it.index];
              return a ? (
                <AlarmRow
                  key={a.id}
                  alarm={a}
                  index={it.index}
                  top={it.start}
                  tz={tz}
                  assetName={assetName.get(a.asset ?? '') ?? a.asset ?? ''}
                  selected={selected.has(a.id)}
                  focused={a.id === focusId}
                  onSelect={(id, on) =>
                    setSelected((s) => {
                      const n = new Set(s);
                      if (on) n.add(id);
                      else n.delete(id);
                      return n;
                    })
                  }
                  onFocus={setFocus}
                />
              ) : null;
            })}
          </GridTable>
        </Paper>
        <Paper sx={{ width: 400, flexShrink: 0, overflow: 'auto', p: 1.5 }} data-testid="alarm-detail-pane">
          {focused ? (
            <AlarmDetail alarm={focused} tz={tz} assetName={assetName.get(focused.asset ?? '') ?? focused.asset ?? ''} onChanged={(a) => store.applyLocal([a])} />
          ) : (
            <Typography sx={{ color: hmi.textDim, fontSize: 13 }}>
              {focusId ? `Alarm ${focusId} is back to normal (see the alarm history).` : 'Select an alarm to see its consequence, the response, the procedure result and its history.'}
              {focusId ? (
                <>
                  {' '}
                  <a href={ALARMS_HREF}>Clear</a>
                </>
              ) : null}
            </Typography>
          )}
        </Paper>
      </Box>
    </Box>
  );
}

const cell = cellSx(ROW_H, 1);

const AlarmRow = memo(function AlarmRow({
  alarm: a,
  index,
  top,
  tz,
  assetName,
  selected,
  focused,
  onSelect,
  onFocus,
}: {
  alarm: AlarmView;
  index: number;
  top: number;
  tz: string | undefined;
  assetName: string;
  selected: boolean;
  focused: boolean;
  onSelect: (id: string, on: boolean) => void;
  onFocus: (id: string) => void;
}) {
  const unack = isUnacknowledged(a);
  const flags = [a.shelved ? 'SHELVED' : '', a.suppressed ? 'SUPPR' : '', a.outOfService ? 'OOS' : '', a.chattering ? 'CHATTER' : '', a.latching && a.state === 'latched' ? 'RESET' : '']
    .filter(Boolean)
    .join(' ');
  return (
    <Box
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      data-testid="alarm-row"
      data-alarm-id={a.id}
      data-state={a.state}
      data-priority={a.priority}
      tabIndex={0}
      onClick={() => onFocus(a.id)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') onFocus(a.id);
        if (e.key === ' ') {
          e.preventDefault();
          onSelect(a.id, !selected);
        }
      }}
      sx={{
        ...virtualRowSx(top, ROW_H, COLUMNS),
        alignItems: 'center',
        fontSize: 13,
        cursor: 'pointer',
        borderBottom: `1px solid ${hmi.line}`,
        bgcolor: focused ? hmi.rowFocus : index % 2 ? hmi.panel : hmi.rowAlt,
        boxShadow: focused ? `inset 4px 0 0 ${hmi.focus}` : 'none',
        fontWeight: unack ? 700 : 400,
      }}
    >
      <Box role="cell" sx={{ display: 'flex', justifyContent: 'center' }} onClick={(e) => e.stopPropagation()}>
        <Checkbox size="small" checked={selected} onChange={(e) => onSelect(a.id, e.target.checked)} slotProps={{ input: { 'aria-label': `Select ${a.message}` } }} sx={{ p: 0.25 }} />
      </Box>
      <Box role="cell" sx={{ px: 0.5, ...(unack ? unackBlink : {}) }}>
        <PriorityBadge priority={a.priority} unack={unack} size={16} />
      </Box>
      <Box role="cell" sx={{ ...cell, ...monoNumbers }} title={formatDateTime(a.activatedAt ?? a.changedAt, tz)}>
        {formatTime(a.activatedAt ?? a.changedAt, tz)}
      </Box>
      <Box role="cell" sx={{ ...cell, color: hmi.textDim }} title={a.asset}>
        {assetName}
      </Box>
      <Box role="cell" sx={cell} title={a.message}>
        {a.message}
      </Box>
      <Box role="cell" sx={cell}>
        {unack ? (
          <Box component="span" sx={{ border: `1px solid ${hmi.text}`, px: 0.5, fontSize: 11, letterSpacing: 0.3 }}>
            {a.state === 'unack-rtn' ? 'RTN UNACK' : 'UNACK'}
          </Box>
        ) : (
          <Box component="span" sx={{ color: hmi.textDim, fontSize: 12 }}>
            {STATE_LABEL[a.state]}
          </Box>
        )}
        {!a.active && a.state !== 'normal' ? (
          <Box component="span" sx={{ color: hmi.textDim, fontSize: 11, ml: 0.5 }}>
            (cleared)
          </Box>
        ) : null}
      </Box>
      <Box role="cell" sx={{ ...cell, fontSize: 11, color: hmi.textDim, fontWeight: 600 }}>
        {flags}
      </Box>
    </Box>
  );
});
