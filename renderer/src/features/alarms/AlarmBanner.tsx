/**
 * Alarm banner, on every screen under the status bar (ISA-18.2 / EEMUA 191):
 *  - counts per priority: unacknowledged / active (shape + number + text, never colour alone);
 *  - the 1–3 most urgent alarms (unacknowledged first, then priority, newest first);
 *  - a flood line while 'alarms.flood' says a flood is on (first-out per parent asset);
 *  - "Silence" for the horn of this workstation; everything else opens the alarm summary.
 * Calm when nothing is wrong: one grey line "No active alarms".
 */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import ButtonBase from '@mui/material/ButtonBase';
import Typography from '@mui/material/Typography';
import VolumeOffIcon from '@mui/icons-material/VolumeOff';
import VolumeUpIcon from '@mui/icons-material/VolumeUp';
import { useMemo } from 'react';
import type { AlarmView } from '../../../../core/common/alarms';
import { useSite } from '../../api/hooks';
import { formatTime } from '../../format/format';
import { hmi, monoNumbers } from '../../theme';
import { bannerAlarms, countByView, floodLines, isUnacknowledged, PRIORITY_STYLE, priorityCounts } from './alarmModel';
import { useAlarmCounts, useAlarmLoadError, useAlarms, useAlarmStore, useFlood, useHorn } from './alarmStore';
import { PriorityBadge, unackBlink } from './PriorityBadge';
import { ALARMS_HREF, alarmHref } from './links';
import { useTranslation } from 'react-i18next';

/** Lines the banner shows; its height is fixed for this many, so a new alarm never moves the page. */
export const BANNER_LINES = 2;
const LINE_H = 26;
/** the banner's one height, flood or not: the flood line takes the place of an alarm line */
const BANNER_H = BANNER_LINES * LINE_H + 5;

export function AlarmBanner() {
  const alarms = useAlarms();
  const counts = useAlarmCounts();
  const flood = useFlood();
  const horn = useHorn();
  const error = useAlarmLoadError();
  const store = useAlarmStore();
  const site = useSite();
  const tz = site?.timezone;
  const assetName = useMemo(() => new Map(site?.assets.map((a) => [a.id, a.name]) ?? []), [site]);
  const flooding = flood?.active === true;
  const lines = useMemo(() => bannerAlarms(alarms.values(), flooding ? BANNER_LINES - 1 : BANNER_LINES), [alarms, flooding]);
  const liveCount = useMemo(() => countByView(alarms.values()).live, [alarms]);
  const pc = priorityCounts(counts);
  const sounding = horn.sounding[0];
  const { t } = useTranslation();

  return (
    <Box
      component="section"
      aria-label={t('alarms.banner')}
      data-testid="alarm-banner"
      sx={{ display: 'flex', flexDirection: 'column', bgcolor: hmi.panel, borderBottom: `1px solid ${hmi.line}`, flexShrink: 0, height: BANNER_H, boxSizing: 'border-box', overflow: 'hidden' }}
    >
      {flooding ? <FloodLine alarms={alarms} tz={tz} assetName={assetName} /> : null}
      <Box sx={{ display: 'flex', alignItems: 'stretch', flex: 1, minHeight: 0, overflow: 'hidden' }} data-testid="alarm-banner-row">
        <ButtonBase
          href={ALARMS_HREF}
          aria-label={`Alarm counts: ${pc.map((c) => `priority ${PRIORITY_STYLE[c.priority].number} ${c.unack} unacknowledged ${c.active} active`).join(', ')}. Open the alarm summary`}
          data-testid="alarm-banner-counts"
          sx={{ display: 'flex', alignItems: 'center', gap: 1.25, px: 1.5, borderRight: `1px solid ${hmi.line}`, flexShrink: 0 }}
        >
          {pc.map((c) => (
            <Box
              key={c.priority}
              data-testid={`alarm-count-${c.priority}`}
              data-unack={c.unack}
              data-active={c.active}
              sx={{ display: 'flex', alignItems: 'center', gap: 0.5, ...monoNumbers }}
              title={t('alarms.countTitle', { priority: t(`alarms.priority.${c.priority}`), unack: c.unack, active: c.active })}
            >
              {/* a priority without alarms is faded; its count stays readable (contrast) */}
              <Box component="span" sx={{ display: 'inline-flex', opacity: c.unack + c.active === 0 ? 0.45 : 1 }}>
                <PriorityBadge priority={c.priority} size={16} />
              </Box>
              <Typography component="span" sx={{ fontSize: 13, fontWeight: c.unack > 0 ? 700 : 400, minWidth: 34, color: c.unack + c.active === 0 ? hmi.textDim : hmi.text }}>
                {c.unack}/{c.active}
              </Typography>
            </Box>
          ))}
          <Typography component="span" sx={{ fontSize: 11, color: hmi.textDim, lineHeight: 1.1, textAlign: 'left' }}>
            {t('alarms.unack')}
            <br />
            {t('alarms.active')}
          </Typography>
        </ButtonBase>
        <Box sx={{ flex: 1, minWidth: 0, display: 'flex', flexDirection: 'column', justifyContent: 'center', py: 0.25 }}>
          {lines.length === 0 ? (
            <ButtonBase href={ALARMS_HREF} sx={{ justifyContent: 'flex-start', px: 1.5, height: '100%' }} data-testid="alarm-banner-empty">
              <Typography sx={{ fontSize: 13, color: hmi.textDim }}>
                {error && !counts ? t('alarms.notYet') : t('alarms.none')}
                {counts && counts.shelved + counts.suppressed + counts.outOfService > 0
                  ? ` · ${t('alarms.hidden', { shelved: counts.shelved, suppressed: counts.suppressed, outOfService: counts.outOfService })}`
                  : ''}
              </Typography>
            </ButtonBase>
          ) : (
            lines.map((a) => <BannerLine key={a.id} alarm={a} tz={tz} assetName={assetName.get(a.asset ?? '') ?? a.asset ?? ''} />)
          )}
        </Box>
        {liveCount > lines.length ? (
          <ButtonBase href={ALARMS_HREF} data-testid="alarm-banner-more" sx={{ px: 1.5, fontSize: 12, color: hmi.textDim, borderLeft: `1px solid ${hmi.line}` }}>
            {t('alarms.more', { count: liveCount - lines.length })}
          </ButtonBase>
        ) : null}
        <Box sx={{ display: 'flex', alignItems: 'center', px: 1, borderLeft: `1px solid ${hmi.line}` }}>
          <Button
            size="small"
            variant={sounding ? 'contained' : 'outlined'}
            color="inherit"
            startIcon={sounding ? <VolumeUpIcon /> : <VolumeOffIcon />}
            onClick={() => store.silence()}
            disabled={!sounding}
            data-testid="alarm-silence"
            data-sounding={sounding ?? ''}
            aria-label={sounding ? t('alarms.silenceLabel', { priority: PRIORITY_STYLE[sounding].number }) : t('alarms.hornSilent')}
            sx={{
              minWidth: 112,
              textTransform: 'none',
              fontWeight: 700,
              ...(sounding ? { bgcolor: hmi.text, color: hmi.panel, '&:hover': { bgcolor: hmi.textDim } } : {}),
            }}
          >
            {sounding ? t('alarms.silence') : t('alarms.silent')}
          </Button>
        </Box>
      </Box>
    </Box>
  );
}

function BannerLine({ alarm: a, tz, assetName }: { alarm: AlarmView; tz: string | undefined; assetName: string }) {
  const unack = isUnacknowledged(a);
  return (
    <ButtonBase
      href={alarmHref(a.id)}
      data-testid="alarm-banner-line"
      data-alarm-id={a.id}
      data-priority={a.priority}
      data-state={a.state}
      sx={{ display: 'grid', gridTemplateColumns: '30px 74px minmax(80px, 160px) 1fr auto', alignItems: 'center', gap: 1, px: 1.5, textAlign: 'left', height: LINE_H, flexShrink: 0, '&:hover': { bgcolor: hmi.bg } }}
    >
      <Box sx={unack ? unackBlink : undefined}>
        <PriorityBadge priority={a.priority} unack={unack} size={16} />
      </Box>
      <Typography component="span" sx={{ fontSize: 13, ...monoNumbers, color: hmi.textDim }}>
        {formatTime(a.activatedAt ?? a.changedAt, tz)}
      </Typography>
      <Typography component="span" noWrap sx={{ fontSize: 13, color: hmi.textDim }} title={assetName}>
        {assetName}
      </Typography>
      <Typography component="span" noWrap sx={{ fontSize: 13, fontWeight: unack ? 700 : 400 }} title={a.message}>
        {a.message}
      </Typography>
      <Typography component="span" sx={{ fontSize: 11, fontWeight: 700, letterSpacing: 0.3, color: unack ? hmi.text : hmi.textDim, border: unack ? `1px solid ${hmi.text}` : 'none', px: 0.5 }}>
        {a.state === 'unack-active' ? 'UNACK' : a.state === 'unack-rtn' ? 'RTN UNACK' : a.state === 'latched' ? 'LATCHED' : 'ACK'}
      </Typography>
    </ButtonBase>
  );
}

function FloodLine({ alarms, tz, assetName }: { alarms: ReadonlyMap<string, AlarmView>; tz: string | undefined; assetName: Map<string, string> }) {
  const flood = useFlood();
  const { t } = useTranslation();
  if (!flood?.active) return null;
  const groups = floodLines(flood.groups, alarms);
  const minutes = Math.round(flood.windowMs / 60_000);
  const first = flood.firstOut ? (alarms.get(flood.firstOut)?.message ?? flood.firstOut) : undefined;
  return (
    <Box
      role="status"
      data-testid="alarm-flood-banner"
      title={`${flood.count} alarms in ${minutes} min${first ? `, first out: ${first}` : ''}`}
      sx={{ display: 'flex', alignItems: 'center', gap: 1.5, px: 1.5, height: LINE_H, flexShrink: 0, boxSizing: 'border-box', bgcolor: hmi.alarmMedium, color: hmi.onAlarmMedium, borderBottom: `1px solid ${hmi.line}`, flexWrap: 'nowrap', overflow: 'hidden', whiteSpace: 'nowrap' }}
    >
      <Typography component="span" sx={{ fontWeight: 800, fontSize: 13, letterSpacing: 0.5 }}>
        {t('alarms.flood')}
      </Typography>
      <Typography component="span" noWrap sx={{ fontSize: 13, flexShrink: 0, ...monoNumbers }}>
        {flood.count} alarms in {minutes} min{flood.since ? ` since ${formatTime(flood.since, tz)}` : ''}
        {first ? ` · first out: ${first}` : ''}
      </Typography>
      <Box sx={{ display: 'flex', gap: 0.75, flexWrap: 'nowrap', minWidth: 0, overflow: 'hidden' }}>
        {groups.slice(0, 5).map((g) => (
          <ButtonBase
            key={g.group}
            href={`${ALARMS_HREF}?asset=${encodeURIComponent(g.group)}`}
            data-testid="alarm-flood-group"
            title={`First out ${formatTime(g.firstOutAt, tz)}: ${g.firstOutMessage}`}
            sx={{ border: `1px solid ${hmi.text}`, px: 0.75, fontSize: 12, bgcolor: 'rgba(255,255,255,0.35)', flexShrink: 0, lineHeight: '18px' }}
          >
            {assetName.get(g.group) ?? g.group}: {g.count} · first: {g.firstOutMessage}
          </ButtonBase>
        ))}
        {groups.length > 5 ? <Typography noWrap sx={{ fontSize: 12, flexShrink: 0 }}>+{groups.length - 5} groups</Typography> : null}
      </Box>
    </Box>
  );
}
