/**
 * The shell's commands in the renderer: the desktop menu's items (over IPC, window.esm.onShell)
 * and the same keyboard shortcuts in browser mode (core/common/shell.ts): Ctrl+1…9 screens,
 * Ctrl+Shift+S silences the horn, Ctrl+Shift+A opens the alarm list on its acknowledge button,
 * F1 help for the screen shown; and the Help / About dialog (versions and licences of what
 * ships, from the core's host.about).
 */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import Typography from '@mui/material/Typography';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AboutInfo } from '../../../core/common/api/contract';
import { RENDERER_ACTIONS, shortcutAction, type ShellAction } from '../../../core/common/shell';
import { errorText } from '../api/errorText';
import { useClient } from '../api/hooks';
import { useAlarmStore } from '../features/alarms/alarmStore';
import { hmi, monoNumbers } from '../theme';
import type { RouteId } from './route';

const EVENT = 'esm-shell';

/** Runs a shell command from anywhere in the renderer (the Display menu's Help and About). */
export function runShellAction(a: ShellAction): void {
  window.dispatchEvent(new CustomEvent<ShellAction>(EVENT, { detail: a }));
}

function isAction(x: unknown): x is ShellAction {
  return !!x && typeof x === 'object' && typeof (x as { kind?: unknown }).kind === 'string' && RENDERER_ACTIONS.has((x as ShellAction).kind);
}

export function ShellCommands({ route }: { route: RouteId }) {
  const store = useAlarmStore();
  const [dialog, setDialog] = useState<'help' | 'about' | null>(null);

  useEffect(() => {
    const run = (a: ShellAction): void => {
      switch (a.kind) {
        case 'navigate':
          window.location.hash = `#/${a.route}`;
          return;
        case 'silence':
          store.silence();
          return;
        case 'acknowledge':
          window.location.hash = '#/alarms';
          // the operator confirms with Enter: a shortcut never acknowledges unseen alarms
          setTimeout(() => (document.querySelector('[data-testid="alarm-ack-selected"]') as HTMLElement | null)?.focus(), 300);
          return;
        case 'help':
        case 'about':
          setDialog(a.kind);
          return;
        default:
          return;
      }
    };
    const onKey = (e: KeyboardEvent): void => {
      const a = shortcutAction(e);
      if (!a) return;
      e.preventDefault();
      run(a);
    };
    const onEvent = (e: Event): void => {
      const a = (e as CustomEvent<unknown>).detail;
      if (isAction(a)) run(a);
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener(EVENT, onEvent);
    const offIpc = window.esm?.onShell?.((a) => isAction(a) && run(a));
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener(EVENT, onEvent);
      offIpc?.();
    };
  }, [store]);

  return dialog ? <HelpDialog route={route} tab={dialog} onTab={setDialog} onClose={() => setDialog(null)} /> : null;
}

function HelpDialog({ route, tab, onTab, onClose }: { route: RouteId; tab: 'help' | 'about'; onTab: (t: 'help' | 'about') => void; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Dialog open onClose={onClose} maxWidth="md" fullWidth aria-labelledby="help-title" slotProps={{ paper: { 'data-testid': 'help-dialog' } as object }}>
      <DialogTitle id="help-title" sx={{ pb: 0 }}>
        {tab === 'help' ? t('help.title', { screen: t(`nav.${route}`) }) : t('about.title')}
      </DialogTitle>
      <Tabs value={tab} onChange={(_e, v: 'help' | 'about') => onTab(v)} sx={{ px: 2 }} aria-label={t('help.tabs')}>
        <Tab value="help" label={t('help.tab')} data-testid="help-tab" />
        <Tab value="about" label={t('about.tab')} data-testid="about-tab" />
      </Tabs>
      <DialogContent dividers sx={{ minHeight: 240 }}>{tab === 'help' ? <ScreenHelp route={route} /> : <About />}</DialogContent>
      <DialogActions>
        <Button onClick={onClose} variant="contained">
          {t('help.close')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

/** Key caps as printed on es/it/pt/en keyboards alike (Ctrl, Shift, Tab, F1). */
const KEY_CAPS: ReadonlyArray<[string, string]> = [
  ['Ctrl+1 … Ctrl+9', 'screens'],
  ['Ctrl+Shift+S', 'silence'],
  ['Ctrl+Shift+A', 'acknowledge'],
  ['F1', 'help'],
  ['Tab, Shift+Tab', 'tab'],
];

function ScreenHelp({ route }: { route: RouteId }) {
  const { t } = useTranslation();
  return (
    <Box data-testid="screen-help" data-route={route} sx={{ display: 'flex', flexDirection: 'column', gap: 1.5, fontSize: 14 }}>
      <Typography>{t(`help.screen.${route}`)}</Typography>
      <Typography component="h3" sx={{ fontWeight: 700, fontSize: 14 }}>
        {t('help.keysTitle')}
      </Typography>
      <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: 2, rowGap: 0.5, m: 0, '& dt': { fontWeight: 700, ...monoNumbers }, '& dd': { m: 0 } }}>
        {KEY_CAPS.map(([caps, what]) => (
          <Box key={what} sx={{ display: 'contents' }}>
            <dt>{caps}</dt>
            <dd>{t(`help.keys.${what}`)}</dd>
          </Box>
        ))}
      </Box>
    </Box>
  );
}

function About() {
  const { t } = useTranslation();
  const client = useClient();
  const [info, setInfo] = useState<AboutInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    client.call('host.about', {}).then(
      (r) => alive && setInfo(r),
      (e: unknown) => alive && setError(errorText(e)),
    );
    return () => {
      alive = false;
    };
  }, [client]);
  if (error) return <Typography role="alert">{t('about.error', { error })}</Typography>;
  if (!info) return <Typography>{t('about.loading')}</Typography>;
  const runtime = [`Node.js ${info.runtime.node}`, info.runtime.electron ? `Electron ${info.runtime.electron}` : null, info.runtime.chrome ? `Chromium ${info.runtime.chrome}` : null, info.runtime.platform].filter(Boolean).join(' · ');
  return (
    <Box data-testid="about" sx={{ display: 'flex', flexDirection: 'column', gap: 1 }}>
      <Typography sx={{ fontSize: 18, fontWeight: 700 }} data-testid="about-version">
        {info.name} {info.version}
      </Typography>
      <Typography sx={{ fontSize: 13.5 }}>{t(info.mode === 'electron' ? 'about.desktop' : 'about.browser', { runtime })}</Typography>
      <Typography sx={{ fontSize: 13.5, color: hmi.textDim }}>{t('about.noPhoneHome')}</Typography>
      <Typography component="h3" sx={{ fontWeight: 700, fontSize: 14, mt: 1 }}>
        {t('about.libraries', { count: info.libraries.length })}
      </Typography>
      <Box component="table" data-testid="about-libraries" sx={{ borderCollapse: 'collapse', fontSize: 13, ...monoNumbers, '& th, & td': { borderBottom: `1px solid ${hmi.line}`, px: 0.75, py: 0.25, textAlign: 'left' } }}>
        <thead>
          <tr>
            <th>{t('about.library')}</th>
            <th>{t('about.version')}</th>
            <th>{t('about.licence')}</th>
          </tr>
        </thead>
        <tbody>
          {info.libraries.map((l) => (
            <tr key={l.name} data-testid={`about-lib-${l.name}`}>
              <td>{l.name}</td>
              <td>{l.version}</td>
              <td>{l.licence}</td>
            </tr>
          ))}
        </tbody>
      </Box>
    </Box>
  );
}
