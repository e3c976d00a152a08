import CssBaseline from '@mui/material/CssBaseline';
import { ThemeProvider } from '@mui/material/styles';
import { useMemo, type ReactNode } from 'react';
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

/** The user's theme (day or night), switched live; <html data-theme> tells solid() which one. */
function Themed({ children }: { children: ReactNode }) {
  const mode = usePrefs().theme;
  const theme = useMemo(() => makeTheme(mode), [mode]);
  // set during render (idempotent): the children's chart effects resolve colours for this mode
  document.documentElement.dataset.theme = mode;
  return (
    <ThemeProvider theme={theme}>
      <CssBaseline />
      {children}
    </ThemeProvider>
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
