/**
 * First run (issue #16 item 7), after step 1 — the administrator account (AuthScreens'
 * SetupScreen) — in the same window: step 2 the site (the demo site, marked simulated, or how to
 * open a site file), step 3 the display (language and theme, remembered for the user). Shown
 * once, to the administrator who has just set the installation up.
 */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Step from '@mui/material/Step';
import StepLabel from '@mui/material/StepLabel';
import Stepper from '@mui/material/Stepper';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSite } from '../api/hooks';
import { LANGUAGES, LANGUAGE_NAMES, isLanguage } from '../i18n/i18n';
import { THEME_MODES, hmi } from '../theme';
import { usePrefs } from './prefs';

const KEY = 'esm.firstRun';

/** Set when the administrator is being created (cleared if that fails): the wizard continues after sign-in. */
export function markFirstRun(on: boolean): void {
  try {
    if (on) window.sessionStorage.setItem(KEY, '1');
    else window.sessionStorage.removeItem(KEY);
  } catch {
    // storage refused: no wizard, the app works as usual
  }
}

/** The step to show (1 site, 2 display), 0 when there is no first run; kept across re-mounts (a language switch). */
function pendingStep(): number {
  try {
    return Number(window.sessionStorage.getItem(KEY) ?? 0) || 0;
  } catch {
    return 0;
  }
}

function keepStep(n: number): void {
  try {
    window.sessionStorage.setItem(KEY, String(n));
  } catch {
    // the step is kept in memory only
  }
}

export function FirstRunWizard() {
  const [open, setOpen] = useState(() => pendingStep() > 0);
  const [step, setStepState] = useState(() => Math.min(2, Math.max(1, pendingStep())));
  const setStep = (n: number): void => {
    keepStep(n);
    setStepState(n);
  };
  const { t, i18n } = useTranslation();
  const site = useSite();
  const prefs = usePrefs();
  if (!open) return null;
  const finish = (): void => {
    try {
      window.sessionStorage.removeItem(KEY);
    } catch {
      // nothing to forget
    }
    setOpen(false);
  };
  const desktop = typeof window !== 'undefined' && !!window.esm;
  return (
    <Dialog open maxWidth="sm" fullWidth aria-labelledby="first-run-title" slotProps={{ paper: { 'data-testid': 'first-run' } as object }}>
      <DialogTitle id="first-run-title">{t('firstRun.title')}</DialogTitle>
      <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2 }}>
        <Stepper activeStep={step} alternativeLabel>
          {(['admin', 'site', 'display'] as const).map((s) => (
            <Step key={s}>
              <StepLabel>{t(`firstRun.step.${s}`)}</StepLabel>
            </Step>
          ))}
        </Stepper>
        {step === 1 ? (
          <Box data-testid="first-run-site" sx={{ display: 'flex', flexDirection: 'column', gap: 1, fontSize: 14 }}>
            <Typography>{t('firstRun.siteLoaded', { name: site?.name ?? '—' })}</Typography>
            {site?.simulated ? <Typography sx={{ border: `1px dashed ${hmi.textDim}`, p: 1 }}>{t('firstRun.demo')}</Typography> : null}
            <Typography sx={{ color: hmi.textDim }}>{t(desktop ? 'firstRun.ownSiteDesktop' : 'firstRun.ownSiteBrowser')}</Typography>
          </Box>
        ) : (
          <Box data-testid="first-run-display" sx={{ display: 'flex', flexDirection: 'column', gap: 1.5 }}>
            <Typography id="first-run-language">{t('display.language')}</Typography>
            <ToggleButtonGroup exclusive value={i18n.language} onChange={(_e, v: unknown) => isLanguage(v) && prefs.set({ language: v })} aria-labelledby="first-run-language" size="small">
              {LANGUAGES.map((l) => (
                <ToggleButton key={l} value={l} lang={l} data-testid={`first-run-language-${l}`}>
                  {LANGUAGE_NAMES[l]}
                </ToggleButton>
              ))}
            </ToggleButtonGroup>
            <Typography id="first-run-theme">{t('display.theme')}</Typography>
            <ToggleButtonGroup exclusive value={prefs.theme} onChange={(_e, v: unknown) => (THEME_MODES as readonly unknown[]).includes(v) && prefs.set({ theme: v as (typeof THEME_MODES)[number] })} aria-labelledby="first-run-theme" size="small">
              {THEME_MODES.map((m) => (
                <ToggleButton key={m} value={m}>
                  {t(`display.${m}`)}
                </ToggleButton>
              ))}
            </ToggleButtonGroup>
            <Typography sx={{ fontSize: 13, color: hmi.textDim }}>{t('firstRun.displayLater')}</Typography>
          </Box>
        )}
      </DialogContent>
      <DialogActions>
        {step === 2 ? <Button onClick={() => setStep(1)}>{t('firstRun.back')}</Button> : null}
        <Box sx={{ flex: 1 }} />
        {step === 1 ? (
          <Button variant="contained" onClick={() => setStep(2)} data-testid="first-run-next">
            {t('firstRun.next')}
          </Button>
        ) : (
          <Button variant="contained" onClick={finish} data-testid="first-run-finish">
            {t('firstRun.finish')}
          </Button>
        )}
      </DialogActions>
    </Dialog>
  );
}
