import CssBaseline from '@mui/material/CssBaseline';
import { ThemeProvider } from '@mui/material/styles';
import { LiveProvider } from './api/hooks';
import type { LiveSite } from './api/live';
import { Shell } from './shell/Shell';
import { theme } from './theme';

export function App({ live }: { live: LiveSite }) {
  return (
    <ThemeProvider theme={theme}>
      <CssBaseline />
      <LiveProvider live={live}>
        <Shell />
      </LiveProvider>
    </ThemeProvider>
  );
}
