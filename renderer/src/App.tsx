import CssBaseline from '@mui/material/CssBaseline';
import { ThemeProvider } from '@mui/material/styles';
import { LiveProvider, useAuth } from './api/hooks';
import type { LiveSite } from './api/live';
import { ChangePasswordScreen, ConnectingScreen, SetupScreen, SignInScreen, useIdleLock } from './features/auth/AuthScreens';
import { Shell } from './shell/Shell';
import { theme } from './theme';

export function App({ live }: { live: LiveSite }) {
  return (
    <ThemeProvider theme={theme}>
      <CssBaseline />
      <LiveProvider live={live}>
        <AuthGate />
      </LiveProvider>
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
