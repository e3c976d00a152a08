import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Slider from '@mui/material/Slider';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useEffect, useState, type FormEvent } from 'react';
import type { SimState } from '../../../../core/common/api/contract';
import { useApiEvent, useClient, useConnection, useSite } from '../../api/hooks';
import { errorField, errorText } from '../../api/errorText';
import { GuardedButton, useCapabilityReason } from '../../components/Guarded';
import { formatDateTime, formatNumber } from '../../format/format';
import { hmi, monoNumbers } from '../../theme';
import { buildSimRequest, rangeText, SIM_FIELDS, wallOffsetText, wallTimeIdleReason, type SimDrafts, type SimField, type SimFieldDef } from './simFields';

const PV_PRESETS: readonly { label: string; value: number }[] = [
  { label: 'Clear sky', value: 1 },
  { label: 'Passing cloud', value: 0.4 },
  { label: 'Overcast', value: 0.1 },
];

/** Slider names must not contain the text inputs' labels (getByLabel matches substrings). */
/** The load-step slider spans ±this (the text field takes the whole ±500 kW). */
const LOAD_SLIDER_KW = 200;

const SLIDERS: Partial<Record<SimField, string>> = { pvFactor: 'Clouds slider', loadStepKw: 'Extra consumption slider' };

export function SimulatorPage() {
  const site = useSite();
  const client = useClient();
  const { connected } = useConnection();
  const [sim, setSim] = useState<SimState | null>(null);
  const [drafts, setDrafts] = useState<SimDrafts>({});
  const [errors, setErrors] = useState<Partial<Record<SimField, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // a role without control.operate sees the form disabled, with the reason
  const readOnly = useCapabilityReason('control.operate');

  useEffect(() => {
    if (!connected) return;
    let alive = true;
    client.call('sim.get', {}).then(
      (s) => alive && setSim(s),
      (e: unknown) => alive && setFormError(errorText(e)),
    );
    return () => {
      alive = false;
    };
  }, [client, connected]);
  useApiEvent('sim.changed', setSim);

  if (site && !site.simulated) {
    return <Typography sx={{ color: hmi.textDim }}>This site is not simulated.</Typography>;
  }

  const send = async (d: SimDrafts) => {
    const { req, errors: errs } = buildSimRequest(d);
    setErrors(errs);
    setFormError(null);
    if (Object.keys(errs).length > 0 || Object.keys(req).length === 0) return;
    setBusy(true);
    try {
      const s = await client.call('sim.set', req);
      setSim(s);
      setDrafts((prev) => {
        const next = { ...prev };
        for (const k of Object.keys(req) as SimField[]) delete next[k];
        return next;
      });
    } catch (e) {
      const labels = Object.fromEntries(SIM_FIELDS.map((f) => [f.key, f.label]));
      const field = SIM_FIELDS.find((f) => f.key === errorField(e));
      if (field) setErrors((p) => ({ ...p, [field.key]: errorText(e, labels) }));
      else setFormError(errorText(e, labels));
    } finally {
      setBusy(false);
    }
  };

  // after a speed change the simulated clock runs ahead; this brings it back (audited by the core as sim.set)
  const toWallTime = async () => {
    setFormError(null);
    setBusy(true);
    try {
      setSim(await client.call('sim.set', { toWallTime: true }));
      setDrafts((prev) => {
        const next = { ...prev };
        delete next.speed;
        return next;
      });
    } catch (e) {
      setFormError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void send(drafts);
  };
  const dirty = Object.keys(drafts).length > 0;
  const valueOf = (f: SimFieldDef): string => drafts[f.key] ?? (sim ? formatNumber(sim[f.key], f.decimals) : '');

  return (
    <Box sx={{ display: 'flex', gap: 2, alignItems: 'flex-start', flexWrap: 'wrap' }}>
      <Paper component="form" onSubmit={onSubmit} noValidate aria-label="Simulator settings" sx={{ p: 2, width: 560, maxWidth: '100%' }}>
        <Typography variant="h2" component="h2" sx={{ mb: 0.5 }}>
          Simulator
        </Typography>
        <Typography sx={{ color: hmi.textDim, fontSize: 13, mb: 2 }}>
          Changes act on the simulated plant only. Press Enter or Apply to send edited values.
        </Typography>
        {readOnly ? (
          <Alert severity="info" sx={{ mb: 2 }} data-testid="sim-readonly">
            View only. {readOnly}
          </Alert>
        ) : null}
        {SIM_FIELDS.map((f) => (
          <Box key={f.key} sx={{ mb: 2 }}>
            <Box sx={{ display: 'flex', gap: 2, alignItems: 'flex-start' }}>
              <TextField
                id={`sim-${f.key}`}
                label={f.unit && f.unit !== '×' ? `${f.label} (${f.unit})` : f.label}
                size="small"
                value={valueOf(f)}
                disabled={!sim || readOnly !== null}
                error={!!errors[f.key]}
                helperText={errors[f.key] ?? `${f.help}. Range ${rangeText(f)}.`}
                onChange={(e) => {
                  const raw = e.target.value;
                  setDrafts((d) => ({ ...d, [f.key]: raw }));
                  setErrors((p) => ({ ...p, [f.key]: undefined }));
                }}
                sx={{ width: 260, '& .MuiInputBase-root': { bgcolor: drafts[f.key] !== undefined ? hmi.field : hmi.panel } }}
                slotProps={{ htmlInput: { inputMode: 'decimal', 'data-testid': `sim-${f.key}`, 'aria-invalid': !!errors[f.key] } }}
              />
              {SLIDERS[f.key] && sim ? (
                <Slider
                  aria-label={SLIDERS[f.key]}
                  // the load step is centred on zero (a step down is as useful as one up)
                  min={f.key === 'loadStepKw' ? -LOAD_SLIDER_KW : f.min}
                  max={f.key === 'loadStepKw' ? LOAD_SLIDER_KW : f.max}
                  step={f.step}
                  marks={f.key === 'loadStepKw' ? [{ value: 0, label: '0' }] : undefined}
                  track={f.key === 'loadStepKw' ? false : 'normal'}
                  value={Number(valueOf(f).replace(',', '.')) || 0}
                  disabled={readOnly !== null}
                  // moving the slider edits the form; Apply (or Enter) sends it with the other fields
                  onChange={(_, v) => setDrafts((d) => ({ ...d, [f.key]: formatNumber(v, f.decimals) }))}
                  sx={{ flex: 1, mt: 0.75, color: hmi.equipment }}
                />
              ) : null}
            </Box>
            {f.key === 'pvFactor' ? (
              <Box sx={{ display: 'flex', gap: 1, mt: 0.5 }}>
                {PV_PRESETS.map((p) => (
                  <Button key={p.label} size="small" variant="outlined" color="secondary" disabled={!sim || busy || readOnly !== null} onClick={() => setDrafts((d) => ({ ...d, pvFactor: String(p.value) }))}>
                    {p.label}
                  </Button>
                ))}
              </Box>
            ) : null}
          </Box>
        ))}
        {formError ? (
          <Alert severity="error" sx={{ mb: 2 }} data-testid="sim-error">
            {formError}
          </Alert>
        ) : null}
        <Box sx={{ display: 'flex', gap: 1 }}>
          <GuardedButton type="submit" variant="contained" disabled={!sim || busy || !dirty} why={readOnly} showWhy={false} testId="sim-apply">
            Apply
          </GuardedButton>
          <Button
            type="button"
            variant="text"
            color="secondary"
            disabled={!dirty}
            onClick={() => {
              setDrafts({});
              setErrors({});
            }}
          >
            Discard changes
          </Button>
        </Box>
      </Paper>
      <SimStatePanel sim={sim} timeZone={site?.timezone} why={readOnly} busy={busy} onToWallTime={() => void toWallTime()} />
    </Box>
  );
}

function SimStatePanel({ sim, timeZone, why, busy, onToWallTime }: { sim: SimState | null; timeZone: string | undefined; why: string | null; busy: boolean; onToWallTime: () => void }) {
  const now = Date.now();
  const rows: [string, string, string][] = sim
    ? [
        ['Running', sim.running ? 'yes' : 'NO', 'running'],
        ['Simulated time', formatDateTime(sim.simTime, timeZone), 'simTime'],
        ['Against the wall clock', wallOffsetText(sim.simTime, now), 'wallOffset'],
        ['Speed', `${formatNumber(sim.speed, 0)} ×`, 'speed'],
        ['PV factor', formatNumber(sim.pvFactor, 2), 'pvFactor'],
        ['Load step', `${formatNumber(sim.loadStepKw, 1)} kW`, 'loadStepKw'],
        ['Battery temperature offset', `${formatNumber(sim.batteryTempOffsetC, 1)} °C`, 'batteryTempOffsetC'],
      ]
    : [];
  return (
    <Paper sx={{ p: 2, width: 380, maxWidth: '100%' }} aria-label="Simulator state" role="region">
      <Typography variant="h3" component="h3" sx={{ mb: 1 }}>
        Simulator state
      </Typography>
      {!sim ? <Typography sx={{ color: hmi.textDim }}>Waiting for the simulator…</Typography> : null}
      <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'auto 1fr', columnGap: 2, rowGap: 0.75, m: 0 }}>
        {rows.map(([k, v, key]) => (
          <Box key={key} sx={{ display: 'contents' }}>
            <Box component="dt" sx={{ color: hmi.textDim, fontSize: 13 }}>
              {k}
            </Box>
            <Box
              component="dd"
              data-testid={`sim-state-${key}`}
              sx={{ m: 0, fontWeight: 600, textAlign: 'right', ...monoNumbers, color: key === 'running' && !sim?.running ? hmi.alarmMedium : hmi.text }}
            >
              {v}
            </Box>
          </Box>
        ))}
      </Box>
      {sim ? (
        <Box sx={{ mt: 1.5 }}>
          <GuardedButton variant="outlined" color="secondary" size="small" disabled={busy} why={why ?? wallTimeIdleReason(sim, now)} testId="sim-to-wall-time" onClick={onToWallTime}>
            Back to wall time
          </GuardedButton>
        </Box>
      ) : null}
    </Paper>
  );
}
