/**
 * Live single-line synoptic: grid — PCC meter — busbar — one feeder per asset. Grey when
 * normal; red/amber only for abnormal states; degraded values hatched and labelled.
 */
import { memo, type ReactNode } from 'react';
import type { AssetView } from '../../../../core/common/api/contract';
import type { NatureName } from '../../../../core/common/natures';
import { usePoint, usePointMeta } from '../../api/hooks';
import { essDirection, formatNumber, gridDirection, viewOf } from '../../format/format';
import { hmi } from '../../theme';
import { exceedsContract, pccScaleKw, type Feeder, type SynopticModel } from './synopticModel';
import { HATCH_ID, SvgDefs, SvgValue } from './SvgValue';
import { AssetAlarmMarker } from '../alarms/AssetAlarmMarker';
import { CONTROL_ROW_H, SetpointButton } from '../control/SetpointButton';
import { assetHref } from '../../shell/route';
import { useTranslation } from 'react-i18next';

const FW = 208; // feeder pitch
const MARGIN = 28;
const BUS_Y = 250;
const SYMBOL_Y = 300;
const PANEL_Y = 360;
const FONT = '"Segoe UI", "Noto Sans", "DejaVu Sans", Arial, sans-serif';

/** Channels with a label of their own (synoptic.channel.<name>); others show their name. */
const LABELLED_CHANNELS: ReadonlySet<string> = new Set(['ActivePower', 'Soc', 'State', 'DcVoltage', 'Temperature', 'Irradiance', 'Status', 'Running', 'Closed', 'Frequency', 'VoltageL1']);

/** Power flows into the busbar when positive for these natures (see natures.ts). */
const SOURCE_NATURES: ReadonlySet<NatureName> = new Set(['Ess', 'Pv', 'Genset']);

/** Feeder panel rows: a small label line (with room for the quality tag), then the value. */
const HEADER_H = 48;
function rowHeight(channel: string): number {
  if (channel === 'ActivePower') return 44;
  if (channel === 'Soc') return 58;
  return 38;
}

function panelHeight(f: Feeder): number {
  return HEADER_H + f.channels.reduce((h, c) => h + rowHeight(c), 0) + 4;
}

/** The drawing's natural size (viewBox units = CSS pixels at scale 1). */
export function synopticSize(model: SynopticModel): { w: number; h: number } {
  const n = Math.max(model.feeders.length, 1);
  const w = Math.max(940, n * FW + 2 * MARGIN);
  const h = PANEL_Y + Math.max(120, ...model.feeders.map(panelHeight)) + 16 + (model.feeders.some((f) => f.nature === 'Ess') ? CONTROL_ROW_H : 0);
  return { w, h };
}

export function Synoptic({ model }: { model: SynopticModel }) {
  const n = Math.max(model.feeders.length, 1);
  const { w: W, h: H } = synopticSize(model);
  const cx = Math.round(W / 2);
  const busX0 = MARGIN;
  const busX1 = W - MARGIN;
  const { t } = useTranslation();
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      role="group"
      aria-label={t('synoptic.diagram')}
      data-testid="synoptic"
      style={{ width: '100%', height: 'auto', display: 'block', fontFamily: FONT }}
      preserveAspectRatio="xMidYMin meet"
    >
      <SvgDefs />
      {/* grid connection */}
      <GridSymbol x={cx} y={14} />
      <text x={cx - 40} y={42} textAnchor="end" fontSize={14} fontWeight={700} fill={hmi.textDim}>
        {t('synoptic.grid')}
      </text>
      <line x1={cx} y1={66} x2={cx} y2={BUS_Y} stroke={hmi.equipment} strokeWidth={3} />
      {model.pcc ? <PccPanel asset={model.pcc} channels={model.pccChannels} contractedKw={model.contractedKw} x={cx} /> : null}
      {/* busbar */}
      <line x1={busX0} y1={BUS_Y} x2={busX1} y2={BUS_Y} stroke={hmi.equipment} strokeWidth={7} strokeLinecap="square" />
      <text x={busX0} y={BUS_Y - 10} fontSize={11} fill={hmi.textDim}>
        {t('synoptic.busbar')}
      </text>
      {model.feeders.map((f, i) => (
        <FeederView key={f.asset.id} feeder={f} cx={MARGIN + i * FW + FW / 2 + (W - 2 * MARGIN - n * FW) / 2} />
      ))}
      {model.feeders.length === 0 ? (
        <text x={cx} y={PANEL_Y} textAnchor="middle" fontSize={14} fill={hmi.textDim}>
          {t('synoptic.noAssets')}
        </text>
      ) : null}
    </svg>
  );
}

// ------------------------------------------------------------------ PCC

function PccPanel({ asset, channels, contractedKw, x }: { asset: AssetView; channels: string[]; contractedKw: number; x: number }) {
  const powerId = `${asset.id}/ActivePower`;
  const p = usePoint(powerId);
  const meta = usePointMeta(powerId);
  const v = viewOf(p, meta);
  const { t } = useTranslation();
  const kw = typeof p?.value === 'number' ? p.value : null;
  const over = !v.degraded && exceedsContract(kw, contractedKw);
  const dir = v.degraded ? '' : gridDirection(kw);
  const px = x + 36;
  const py = 18;
  const pw = 340;
  const ph = 212;
  // centre-zero gauge
  const gx = px + 14;
  const gw = pw - 28;
  const gy = py + 96;
  const scale = pccScaleKw(kw, contractedKw);
  const zero = gx + gw / 2;
  const toX = (val: number) => zero + (Math.max(-scale, Math.min(scale, val)) / scale) * (gw / 2);
  const limitX = toX(contractedKw);
  const fillX = kw === null ? zero : toX(kw);
  const extras = channels.filter((c) => c !== 'ActivePower');
  return (
    <g data-testid={`asset-${asset.id}`} data-abnormal={over ? 'high' : undefined}>
      <MeterSymbol x={x} y={150} />
      <AssetAlarmMarker assetId={asset.id} x={x - 36} y={150} />
      {kw !== null && !v.degraded && dir !== 'BALANCED' ? <FlowArrow x={x} y={112} up={dir === 'EXPORT'} /> : null}
      <rect x={px} y={py} width={pw} height={ph} fill={hmi.panel} stroke={over ? hmi.alarmHigh : hmi.line} strokeWidth={over ? 3 : 1} />
      <text x={px + 12} y={py + 20} fontSize={13} fontWeight={700} fill={hmi.text}>
        {asset.name}
      </text>
      <text x={px + pw - 12} y={py + 20} fontSize={11} textAnchor="end" fill={hmi.textDim}>
        {t('synoptic.pcc')}
      </text>
      {channels.includes('ActivePower') ? (
        <>
          <SvgValue id={powerId} x={px + 150} y={py + 54} size={24} abnormal={over ? 'high' : null} />
          <text x={px + 200} y={py + 54} fontSize={13} fontWeight={700} fill={over ? hmi.alarmHigh : hmi.textDim} data-testid={`direction-${asset.id}`}>
            {over ? t('synoptic.overLimit') : dir ? t(`synoptic.direction.${dir}`) : ''}
          </text>
          {/* gauge: export to the left, import to the right of zero */}
          <rect x={gx} y={gy - 10} width={gw} height={14} fill={v.degraded ? `url(#${HATCH_ID})` : hmi.gaugeTrack} stroke={hmi.line} />
          {!v.degraded && kw !== null ? (
            <rect
              x={Math.min(zero, fillX)}
              y={gy - 8}
              width={Math.abs(fillX - zero)}
              height={10}
              fill={over ? hmi.alarmHigh : hmi.gaugeFill}
              data-testid={`gauge-${asset.id}`}
            />
          ) : null}
          <line x1={zero} y1={gy - 14} x2={zero} y2={gy + 8} stroke={hmi.equipment} strokeWidth={1} />
          <line x1={limitX} y1={gy - 16} x2={limitX} y2={gy + 10} stroke={over ? hmi.alarmHigh : hmi.text} strokeWidth={2} strokeDasharray="3 2" />
          <text x={gx} y={gy + 20} fontSize={10} fill={hmi.textDim}>
            {t('synoptic.direction.EXPORT')}
          </text>
          <text x={gx + gw} y={gy + 20} fontSize={10} textAnchor="end" fill={hmi.textDim}>
            {t('synoptic.direction.IMPORT')}
          </text>
          <text x={limitX} y={gy - 19} fontSize={10} textAnchor="middle" fill={over ? hmi.alarmHigh : hmi.textDim}>
            {t('synoptic.limit')}
          </text>
        </>
      ) : null}
      <text x={px + 12} y={py + 142} fontSize={12} fill={hmi.textDim}>
        {t('synoptic.contractedPower')}
      </text>
      <text x={px + 190} y={py + 142} fontSize={13} textAnchor="end" fontWeight={700} fill={hmi.text} data-testid="contracted-power">
        {formatNumber(contractedKw, 1)}
      </text>
      <text x={px + 194} y={py + 142} fontSize={10} fill={hmi.textDim}>
        kW
      </text>
      {extras.map((c, i) => (
        <g key={c}>
          <text x={px + 12} y={py + 166 + i * 22} fontSize={12} fill={hmi.textDim}>
            {LABELLED_CHANNELS.has(c) ? t(`synoptic.channel.${c}`) : c}
          </text>
          <SvgValue id={`${asset.id}/${c}`} x={px + 190} y={py + 166 + i * 22} size={13} bold={false} tagX={px + pw - 12} />
        </g>
      ))}
    </g>
  );
}

// ------------------------------------------------------------------ feeders

const FeederView = memo(function FeederView({ feeder, cx }: { feeder: Feeder; cx: number }) {
  const { asset, nature } = feeder;
  const { t } = useTranslation();
  const x = cx - FW / 2 + 8;
  const w = FW - 16;
  const h = panelHeight(feeder);
  let y = PANEL_Y + HEADER_H;
  const rows: ReactNode[] = [];
  for (const c of feeder.channels) {
    const id = `${asset.id}/${c}`;
    const label = LABELLED_CHANNELS.has(c) ? t(`synoptic.channel.${c}`) : c;
    if (c === 'Soc') rows.push(<SocRow key={c} id={id} x={x} w={w} y={y} asset={asset} />);
    else rows.push(<ValueRow key={c} id={id} label={label} x={x} w={w} y={y} size={c === 'ActivePower' ? 18 : 14} direction={c === 'ActivePower' && nature === 'Ess'} />);
    y += rowHeight(c);
  }
  return (
    <g data-testid={`asset-${asset.id}`} data-nature={nature}>
      <line x1={cx} y1={BUS_Y} x2={cx} y2={SYMBOL_Y} stroke={hmi.equipment} strokeWidth={3} />
      {feeder.channels.includes('ActivePower') ? <FeederArrow id={`${asset.id}/ActivePower`} x={cx} y={BUS_Y + 25} source={SOURCE_NATURES.has(nature)} /> : null}
      <EquipmentSymbol nature={nature} x={cx} y={SYMBOL_Y} />
      <AssetAlarmMarker assetId={asset.id} x={cx + 46} y={SYMBOL_Y + 14} />
      <line x1={cx} y1={SYMBOL_Y + 44} x2={cx} y2={PANEL_Y} stroke={hmi.equipment} strokeWidth={1} />
      <rect x={x} y={PANEL_Y} width={w} height={h} fill={hmi.panel} stroke={hmi.line} />
      <a href={assetHref(asset.id)} data-testid={`asset-link-${asset.id}`}>
        <text x={x + 10} y={PANEL_Y + 19} fontSize={13} fontWeight={700} fill={hmi.text} style={{ cursor: 'pointer' }}>
          {clip(asset.name, 23)}
          <title>{t('synoptic.details', { name: asset.name })}</title>
        </text>
      </a>
      <text x={x + 10} y={PANEL_Y + 34} fontSize={10.5} fill={hmi.textDim}>
        {asset.kind}
        {asset.rating?.powerKw ? ` · ${asset.rating.powerKw} kW` : ''}
        {asset.rating?.capacityKwh ? ` · ${asset.rating.capacityKwh} kWh` : ''}
      </text>
      {rows}
      {nature === 'Ess' ? <SetpointButton asset={asset} x={x} y={PANEL_Y + h + 6} width={w} /> : null}
    </g>
  );
});

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

const FAULT_LABEL = /fault|alarm|trip|error/i;

function ValueRow({ id, label, x, w, y, size, direction }: { id: string; label: string; x: number; w: number; y: number; size: number; direction: boolean }) {
  const p = usePoint(id);
  const meta = usePointMeta(id);
  const v = viewOf(p, meta);
  const { t } = useTranslation();
  const isEnum = !!meta?.states || meta?.type === 'boolean';
  const abnormal = !v.degraded && isEnum && FAULT_LABEL.test(v.text) ? 'high' : null;
  const right = isEnum ? x + w - 10 : x + w - 40;
  const d = direction && !v.degraded ? essDirection(typeof p?.value === 'number' ? p.value : null) : '';
  return (
    <g>
      <text x={x + 10} y={y + 12} fontSize={11.5} fill={hmi.textDim}>
        {label}
      </text>
      {d ? (
        <text x={x + w - 10} y={y + 12} textAnchor="end" fontSize={11} fontWeight={700} fill={hmi.textDim} letterSpacing={0.5} data-testid={`direction-${id.split('/')[0]}`}>
          {d === 'DISCHARGE' ? '▲ ' : d === 'CHARGE' ? '▼ ' : ''}
          {t(`synoptic.direction.${d}`)}
        </text>
      ) : null}
      <SvgValue id={id} x={right} y={y + 14 + size} size={size} abnormal={abnormal} bold={size > 14} tagX={x + w - 10} tagY={y + 12} />
    </g>
  );
}

function SocRow({ id, x, w, y, asset }: { id: string; x: number; w: number; y: number; asset: AssetView }) {
  const p = usePoint(id);
  const meta = usePointMeta(id);
  const v = viewOf(p, meta);
  const { t } = useTranslation();
  const soc = typeof p?.value === 'number' ? p.value : null;
  const min = asset.limits?.socMinPct;
  const max = asset.limits?.socMaxPct;
  const outside = !v.degraded && soc !== null && ((min !== undefined && soc < min) || (max !== undefined && soc > max));
  const bx = x + 10;
  const bw = w - 20;
  const by = y + 38;
  const frac = soc === null ? 0 : Math.max(0, Math.min(100, soc)) / 100;
  return (
    <g>
      <text x={x + 10} y={y + 12} fontSize={11.5} fill={hmi.textDim}>
        {t('synoptic.stateOfCharge')}
      </text>
      <SvgValue id={id} x={x + w - 40} y={y + 31} size={17} abnormal={outside ? 'medium' : null} tagX={x + w - 10} tagY={y + 12} />
      <rect x={bx} y={by} width={bw} height={10} fill={v.degraded ? `url(#${HATCH_ID})` : hmi.gaugeTrack} stroke={hmi.line} />
      {!v.degraded ? <rect x={bx + 1} y={by + 1} width={Math.max(0, (bw - 2) * frac)} height={8} fill={outside ? hmi.alarmMedium : hmi.gaugeFill} data-testid={`bar-${id}`} /> : null}
      {[min, max].map((m, i) =>
        m === undefined ? null : <line key={i} x1={bx + (bw * m) / 100} y1={by - 2} x2={bx + (bw * m) / 100} y2={by + 12} stroke={hmi.text} strokeWidth={1.5} />,
      )}
    </g>
  );
}

// ------------------------------------------------------------------ flow arrows and symbols

function FeederArrow({ id, x, y, source }: { id: string; x: number; y: number; source: boolean }) {
  const p = usePoint(id);
  const v = viewOf(p);
  const kw = typeof p?.value === 'number' ? p.value : 0;
  if (v.degraded || Math.abs(kw) < 0.05) return null;
  const intoBus = source ? kw > 0 : kw < 0;
  return <FlowArrow x={x} y={y} up={intoBus} />;
}

function FlowArrow({ x, y, up }: { x: number; y: number; up: boolean }) {
  const d = up ? `M${x - 7},${y + 5} L${x},${y - 6} L${x + 7},${y + 5} z` : `M${x - 7},${y - 5} L${x},${y + 6} L${x + 7},${y - 5} z`;
  return <path d={d} fill={hmi.equipment} aria-hidden="true" />;
}

function GridSymbol({ x, y }: { x: number; y: number }) {
  // transmission tower, simplified
  return (
    <g stroke={hmi.equipment} strokeWidth={2} fill="none" aria-hidden="true">
      <path d={`M${x - 14},${y + 52} L${x},${y} L${x + 14},${y + 52}`} />
      <path d={`M${x - 22},${y + 12} L${x + 22},${y + 12} M${x - 16},${y + 24} L${x + 16},${y + 24}`} />
      <path d={`M${x - 9},${y + 32} L${x + 9},${y + 32} M${x - 10},${y + 36} L${x + 5},${y + 24} M${x + 10},${y + 36} L${x - 5},${y + 24}`} strokeWidth={1.2} />
    </g>
  );
}

function MeterSymbol({ x, y }: { x: number; y: number }) {
  return (
    <g aria-hidden="true">
      <circle cx={x} cy={y} r={17} fill={hmi.panel} stroke={hmi.equipment} strokeWidth={2} />
      <text x={x} y={y + 5} textAnchor="middle" fontSize={14} fontWeight={700} fill={hmi.equipment}>
        M
      </text>
    </g>
  );
}

function EquipmentSymbol({ nature, x, y }: { nature: NatureName; x: number; y: number }) {
  const s = hmi.equipment;
  const box = <rect x={x - 30} y={y} width={60} height={44} fill={hmi.panel} stroke={s} strokeWidth={2} rx={2} />;
  let glyph: ReactNode = null;
  switch (nature) {
    case 'Ess':
      glyph = (
        <g stroke={s} strokeWidth={2} fill="none">
          <rect x={x - 16} y={y + 12} width={30} height={20} />
          <rect x={x + 14} y={y + 18} width={4} height={8} fill={s} />
          <path d={`M${x - 10},${y + 22} h8 M${x + 2},${y + 22} h8 M${x + 6},${y + 18} v8`} strokeWidth={1.6} />
        </g>
      );
      break;
    case 'Pv':
      glyph = (
        <g stroke={s} strokeWidth={1.6} fill="none">
          <path d={`M${x - 20},${y + 34} L${x - 12},${y + 10} L${x + 20},${y + 10} L${x + 12},${y + 34} z`} />
          <path d={`M${x - 16},${y + 22} L${x + 16},${y + 22} M${x - 4},${y + 10} L${x - 8},${y + 34} M${x + 8},${y + 10} L${x + 4},${y + 34}`} />
        </g>
      );
      break;
    case 'Load':
      glyph = (
        <g stroke={s} strokeWidth={2} fill="none">
          <path d={`M${x - 16},${y + 20} L${x},${y + 8} L${x + 16},${y + 20} M${x - 12},${y + 18} V${y + 36} H${x + 12} V${y + 18}`} />
        </g>
      );
      break;
    case 'Evse':
      glyph = (
        <g stroke={s} strokeWidth={2} fill="none">
          <rect x={x - 12} y={y + 8} width={18} height={28} />
          <path d={`M${x - 1},${y + 13} L${x - 6},${y + 23} H${x} L${x - 4},${y + 31}`} strokeWidth={1.6} />
          <path d={`M${x + 6},${y + 16} h6 v14 h4`} />
        </g>
      );
      break;
    case 'Genset':
      glyph = (
        <g>
          <circle cx={x} cy={y + 22} r={14} fill="none" stroke={s} strokeWidth={2} />
          <text x={x} y={y + 27} textAnchor="middle" fontSize={13} fontWeight={700} fill={s}>
            G
          </text>
        </g>
      );
      break;
    case 'Meter':
      glyph = (
        <text x={x} y={y + 28} textAnchor="middle" fontSize={15} fontWeight={700} fill={s}>
          M
        </text>
      );
      break;
    default:
      glyph = (
        <text x={x} y={y + 27} textAnchor="middle" fontSize={11} fill={s}>
          {nature}
        </text>
      );
  }
  return (
    <g aria-hidden="true">
      {box}
      {glyph}
    </g>
  );
}
