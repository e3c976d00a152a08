import CssBaseline from '@mui/material/CssBaseline';
import { ThemeProvider } from '@mui/material/styles';
import { Fragment, useMemo, type ReactNode } from 'react';
import { I18nextProvider } from 'react-i18next';
import { i18n, isLanguage, languageOf, setLanguage } from './i18n/i18n';
import { LiveProvider, useAuth } from './api/hooks';
import type { LiveSite } from './api/live';
import { ChangePasswordScreen, ConnectingScreen, SetupScreen, SignInScreen, useIdleLock } from './features/auth/AuthScreens';
import { PrefsProvider, usePrefs } from './shell/prefs';
import { Shell } from './shell/Shell';
import { makeTheme } from './theme';

export function App({ live }: { live: LiveSite }) {
  return (
    <LiveProvider live={live}>
      <PrefsProvider>
        <Themed>
          <AuthGate />
        </Themed>
      </PrefsProvider>
    </LiveProvider>
  );
}

/**
 * The user's theme (day or night) and language, switched live; <html data-theme> tells solid()
 * which theme. A language switch re-renders the screens (keyed) so that every formatted number
 * and date follows it; the session and live data are kept.
 */
function Themed({ children }: { children: ReactNode }) {
  const prefs = usePrefs();
  const mode = prefs.theme;
  const lang = isLanguage(prefs.language) ? prefs.language : languageOf(navigator.language);
  setLanguage(lang);
  document.documentElement.lang = lang;
  const theme = useMemo(() => makeTheme(mode), [mode]);
  // set during render (idempotent): the children's chart effects resolve colours for this mode
  document.documentElement.dataset.theme = mode;
  return (
    <I18nextProvider i18n={i18n}>
      <ThemeProvider theme={theme}>
        <CssBaseline />
        <Fragment key={lang}>{children}</Fragment>
      </ThemeProvider>
    </I18nextProvider>
  );
}

/** Nothing but the sign-in screens until the core has accepted a session. */
function AuthGate() {
  const auth = useAuth();
  const signedIn = auth.phase === 'signedIn' && !!auth.session;
  useIdleLock(auth.session?.idleLockMs, signedIn && !auth.locked);
  if (auth.phase === 'connecting') return <ConnectingScreen />;
  if (auth.phase === 'setup') return <SetupScreen policy={auth.policy} />;
  if (!signedIn || !auth.session) return <SignInScreen notice={auth.notice} />;
  if (auth.session.mustChangePassword) return <ChangePasswordScreen policy={auth.policy} username={auth.session.user} forced />;
  return <Shell />;
}
