/**
 * Forecast accuracy (issue #11 item 5): every stored forecast (load, PV) against what was
 * measured, over a period that ends at a chosen local day (or now): MAE, nRMSE and skill against
 * persistence per forecast and per horizon, and forecast against measured in ECharts.
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useEffect, useMemo, useState } from 'react';
import { isLocalDate, localDayBounds } from '../../../../core/common/localtime';
import type { PlanApiMethods } from '../../../../core/common/plan';
import { useClient, useConnection } from '../../api/hooks';
import { toApiError } from '../../api/errors';
import { useEChart } from '../../components/useEChart';
import { solidColors } from '../../components/chartColors';
import { formatDateTime } from '../../format/format';
import { usePrefs } from '../../shell/prefs';
import { hmi, monoNumbers } from '../../theme';
import { accuracyOption, accuracyRows } from './accuracyModel';

type Result = PlanApiMethods['forecast.accuracy']['res'];

const SPANS = [
  { days: 1, label: '1 day' },
  { days: 7, label: '7 days' },
  { days: 30, label: '30 days' },
];

function AccuracyChart({ option, series }: { option: Record<string, unknown>; series: string }) {
  const { host, chart } = useEChart();
  const themeMode = usePrefs().theme;
  useEffect(() => {
    chart.current?.setOption(solidColors(option, themeMode), { notMerge: true });
  }, [option, themeMode]);
  return <Box ref={host} data-testid="accuracy-chart" data-series={series} sx={{ width: '100%', height: 320 }} />;
}

export function AccuracyPanel({ timezone }: { timezone: string | undefined }) {
  const client = useClient();
  const { connected } = useConnection();
  const [days, setDays] = useState(1);
  const [ending, setEnding] = useState('');
  const [result, setResult] = useState<Result | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [shown, setShown] = useState<string | null>(null);

  useEffect(() => {
    if (!connected) return;
    let alive = true;
    // a period of whole local days ending with the chosen day, or the last N days up to now
    const to = ending && timezone && isLocalDate(ending) ? localDayBounds(ending, timezone).to : Date.now();
    const from = to - days * 86_400_000;
    setError(null);
    client.call('forecast.accuracy', { from, to }).then(
      (r) => alive && setResult(r),
      (e: unknown) => alive && (setResult(null), setError(toApiError(e).message)),
    );
    return () => {
      alive = false;
    };
  }, [client, connected, days, ending, timezone]);

  const rows = useMemo(() => accuracyRows(result?.forecasts ?? []), [result]);
  // the chosen forecast, else the first that has something to compare
  const f = result?.forecasts.find((x) => x.series === shown) ?? result?.forecasts.find((x) => x.n > 0) ?? result?.forecasts[0];
  const option = useMemo(() => {
    if (!f) return null;
    const fmt = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    return accuracyOption(f, (ts) => fmt.format(new Date(ts)));
  }, [f, timezone]);

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1.5 }} data-testid="accuracy-panel">
      <Box sx={{ display: 'flex', gap: 2, alignItems: 'center', flexWrap: 'wrap' }}>
        <TextField select size="small" label="Period" value={String(days)} onChange={(e) => setDays(Number(e.target.value))} sx={{ minWidth: 140 }}>
          {SPANS.map((s) => (
            <MenuItem key={s.days} value={String(s.days)}>
              {s.label}
            </MenuItem>
          ))}
        </TextField>
        <TextField size="small" type="date" label="Ending with the day" value={ending} onChange={(e) => setEnding(e.target.value)} slotProps={{ inputLabel: { shrink: true } }} helperText={ending ? undefined : 'empty: up to now'} />
        {result ? (
          <Typography sx={{ color: hmi.textDim, fontSize: 13 }} data-testid="accuracy-period">
            {formatDateTime(result.from, timezone)} – {formatDateTime(result.to, timezone)}, compared every {Math.round(result.intervalMs / 60_000)} min
          </Typography>
        ) : null}
      </Box>
      {error ? <Alert severity="error">{error}</Alert> : null}
      <Paper variant="outlined" sx={{ p: 1.5, bgcolor: hmi.panel }}>
        <Typography variant="subtitle1" component="h2" sx={{ fontWeight: 700 }}>
          Forecast accuracy
        </Typography>
        <Typography sx={{ color: hmi.textDim, fontSize: 12, mb: 1 }}>
          MAE: mean absolute error. nRMSE: root-mean-square error over the range of the measured values. Skill: 1 − RMSE / RMSE of persistence (the value measured a day earlier); above 0 beats persistence. Horizon: the forecast issued at least that long before each instant.
        </Typography>
        <Box component="table" data-testid="accuracy-table" sx={{ width: '100%', borderCollapse: 'collapse', ...monoNumbers, '& td, & th': { px: 1, py: 0.5, textAlign: 'left' }, '& td.n': { textAlign: 'right' } }}>
          <thead>
            <tr>
              <th>Forecast</th>
              <th>Horizon</th>
              <th>Pairs</th>
              <th>MAE</th>
              <th>nRMSE</th>
              <th>Skill</th>
              <th>Quality</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key} data-testid={`accuracy-row-${r.key}`} style={{ borderTop: `1px solid ${hmi.line}` }}>
                <td>{r.forecast}</td>
                <td>{r.horizon}</td>
                <td className="n">{r.pairs}</td>
                <td className="n" data-testid="mae">{r.mae}</td>
                <td className="n" data-testid="nrmse">{r.nrmse}</td>
                <td className="n" data-testid="skill">{r.skill}</td>
                <td style={{ color: r.note ? hmi.quality : hmi.textDim }}>{r.note || 'good'}</td>
              </tr>
            ))}
            {result && rows.length === 0 ? (
              <tr>
                <td colSpan={7}>This site has no load or PV forecast.</td>
              </tr>
            ) : null}
          </tbody>
        </Box>
      </Paper>
      {result && result.forecasts.length > 0 ? (
        <TextField select size="small" label="Show" value={f?.series ?? ''} onChange={(e) => setShown(e.target.value)} sx={{ maxWidth: 420 }}>
          {result.forecasts.map((x) => (
            <MenuItem key={x.series} value={x.series}>
              {x.label}
            </MenuItem>
          ))}
        </TextField>
      ) : null}
      {option && f ? <AccuracyChart option={option} series={f.series} /> : null}
      <Typography sx={{ color: hmi.textDim, fontSize: 12 }}>Dashed: forecast (the latest issued before each instant). Solid: measured. Powers in kW.</Typography>
    </Box>
  );
}
