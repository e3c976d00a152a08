/**
 * The notice over data the plant simulator made up at the demo's first start (issue #14 item 6):
 * shown on every screen whose time range overlaps the site's simulated history.
 */
import Typography from '@mui/material/Typography';
import { useSite } from '../api/hooks';
import { formatDateTime } from '../format/format';
import { hmi } from '../theme';

export function SimulatedHistoryNotice({ from, to }: { from: number; to: number }) {
  const site = useSite();
  const h = site?.simulatedHistory;
  if (!h || to <= h.from || from >= h.to) return null;
  return (
    <Typography data-testid="simulated-history" role="note" sx={{ border: `1px dashed ${hmi.textDim}`, px: 1, py: 0.5, fontSize: 13 }}>
      Simulated data: everything recorded before {formatDateTime(h.to, site.timezone)} is demo history made by the plant simulator at the first start, not measurements.
    </Typography>
  );
}
