/**
 * Alarm definitions (ISA-18.2 master alarm database) for administrators ('config.edit'): the
 * effective definitions with their source (site file / edited / added), a filter, a form per
 * type with live validation by the core (`alarms.definitions.validate`, issues shown at their
 * field), delete with confirmation, and "Export YAML" to copy the set back into the site file.
 * Edits are kept by the core over the site file (docs/decisions/0005).
 *
 * Hooks: `alarmdef-page`, `alarmdef-denied`, `alarmdef-filter`, `alarmdef-add`, `alarmdef-export`,
 * `alarmdef-row` (data-alarm-id, data-source, data-type), `alarmdef-form`, `alarmdef-f-<field>`,
 * `alarmdef-issues`, `alarmdef-save`, `alarmdef-cancel`, `alarmdef-delete`, `alarmdef-delete-confirm`,
 * `alarmdef-action-add`, `alarmdef-message`.
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import IconButton from '@mui/material/IconButton';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import DeleteIcon from '@mui/icons-material/DeleteOutlined';
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import {
  ALARM_CLASSES,
  ALARM_PRIORITIES,
  type AlarmDefinition,
  type AlarmDefinitionIssue,
  type AlarmDefinitionOverrideInfo,
  type AlarmType,
} from '../../../../core/common/alarms';
import { useClient, usePointMetaList } from '../../api/hooks';
import { toApiError } from '../../api/errors';
import { fieldSx, hmi } from '../../theme';
import { FilterField } from '../../components/FilterField';
import { PRIORITY_STYLE } from './alarmModel';
import {
  definitionRows,
  deletedFromSiteFile,
  EDITABLE_TYPES,
  emptyForm,
  filterRows,
  formFromDefinition,
  formToDefinition,
  issuesByField,
  QUALITY_REASONS,
  SOURCE_LABEL,
  suggestId,
  TYPE_LABEL,
  type DefinitionFilter,
  type DefinitionForm,
  type DefinitionSource,
} from './definitionModel';
import { downloadText } from './download';
import { ALARMS_HREF } from './links';
import { PriorityBadge } from './PriorityBadge';
import { useCapabilities } from './useCapabilities';

const MAX_ROWS = 500;
const POINTS_LIST = 'alarmdef-points';

export function AlarmDefinitionsPage() {
  const caps = useCapabilities();
  if (!caps.has('config.edit'))
    return (
      <Alert severity="info" data-testid="alarmdef-denied">
        Editing alarm definitions needs the “configuration edit” permission (administrators).
      </Alert>
    );
  return <DefinitionsEditor />;
}

function DefinitionsEditor() {
  const client = useClient();
  const [defs, setDefs] = useState<AlarmDefinition[] | null>(null);
  const [overrides, setOverrides] = useState<AlarmDefinitionOverrideInfo[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [info, setInfo] = useState<string | null>(null);
  const [filter, setFilter] = useState<DefinitionFilter>({ text: '', type: '', source: '' });
  const [editing, setEditing] = useState<{ form: DefinitionForm; isNew: boolean } | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      const [d, o] = await Promise.all([client.call('alarms.definitions.list', {}), client.call('alarms.definitions.overrides', {})]);
      setDefs(d);
      setOverrides(o);
      setError(null);
    } catch (e) {
      setError(toApiError(e).message);
    }
  }, [client]);
  useEffect(() => {
    void reload();
  }, [reload]);

  const rows = useMemo(() => definitionRows(defs ?? [], overrides), [defs, overrides]);
  const shown = useMemo(() => filterRows(rows, filter), [rows, filter]);
  const deleted = useMemo(() => deletedFromSiteFile(overrides), [overrides]);

  const exportYaml = async () => {
    try {
      const r = await client.call('alarms.definitions.export', {});
      downloadText(r.filename, r.yaml, 'application/yaml;charset=utf-8');
      setInfo(`Exported ${r.definitions} definitions (${r.edited} edited) to ${r.filename}: replace the alarms → definitions section of the site file with it.`);
    } catch (e) {
      setError(`Export failed: ${toApiError(e).message}`);
    }
  };

  const doDelete = async (id: string) => {
    setConfirmDelete(null);
    try {
      await client.call('alarms.definitions.delete', { id });
      setInfo(`Deleted ${id}.`);
      setEditing(null);
      await reload();
    } catch (e) {
      setError(`Delete failed: ${toApiError(e).message}`);
    }
  };

  return (
    <Box data-testid="alarmdef-page" sx={{ display: 'flex', flexDirection: 'column', gap: 1.25, flex: 1, minHeight: 0 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2 }}>
        <Typography variant="h2" component="h2">
          Alarm definitions
        </Typography>
        <Typography sx={{ fontSize: 13, color: hmi.textDim }}>
          {defs ? `${rows.length} definitions, ${rows.filter((r) => r.source !== 'site').length} edited or added${deleted.length ? `, ${deleted.length} deleted from the site file` : ''}` : 'Loading…'}
        </Typography>
        <Box sx={{ flex: 1 }} />
        <Button size="small" href={ALARMS_HREF} sx={{ textTransform: 'none' }}>
          Alarm summary
        </Button>
        <Button size="small" variant="outlined" onClick={() => void exportYaml()} data-testid="alarmdef-export" sx={{ textTransform: 'none' }}>
          Export YAML
        </Button>
        <Button size="small" variant="contained" onClick={() => setEditing({ form: emptyForm('limit'), isNew: true })} data-testid="alarmdef-add" sx={{ textTransform: 'none' }}>
          Add definition
        </Button>
      </Box>
      {error ? (
        <Alert severity="error" onClose={() => setError(null)} data-testid="alarmdef-error">
          {error}
        </Alert>
      ) : null}
      {info ? (
        <Alert severity="success" onClose={() => setInfo(null)} data-testid="alarmdef-message">
          {info}
        </Alert>
      ) : null}
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1.25, flexWrap: 'wrap' }}>
        <FilterField label="Filter (id, message, point, class)" value={filter.text} onChange={(text) => setFilter((f) => ({ ...f, text }))} width={320} testid="alarmdef-filter" />
        <NativeSelect label="Type" value={filter.type} onChange={(v) => setFilter((f) => ({ ...f, type: v as AlarmType | '' }))} width={190}>
          <option value="">All types</option>
          {EDITABLE_TYPES.map((t) => (
            <option key={t} value={t}>
              {TYPE_LABEL[t]}
            </option>
          ))}
        </NativeSelect>
        <NativeSelect label="Source" value={filter.source} onChange={(v) => setFilter((f) => ({ ...f, source: v as DefinitionSource | '' }))} width={150}>
          <option value="">Any source</option>
          {(Object.keys(SOURCE_LABEL) as DefinitionSource[]).map((s) => (
            <option key={s} value={s}>
              {SOURCE_LABEL[s]}
            </option>
          ))}
        </NativeSelect>
        <Typography sx={{ fontSize: 13, color: hmi.textDim }}>
          {shown.length > MAX_ROWS ? `first ${MAX_ROWS} of ${shown.length} shown: narrow the filter` : `${shown.length} shown`}
        </Typography>
      </Box>

      <Paper variant="outlined" sx={{ flex: 1, minHeight: 200, overflow: 'auto', bgcolor: hmi.panel }}>
        <Table size="small" stickyHeader aria-label="Alarm definitions">
          <TableHead>
            <TableRow>
              {['Id', 'Type', 'Point / expression', 'Pri', 'Class', 'Message', 'Actions', 'Source', ''].map((h) => (
                <TableCell key={h} sx={{ bgcolor: hmi.panelDark, fontWeight: 700 }}>
                  {h}
                </TableCell>
              ))}
            </TableRow>
          </TableHead>
          <TableBody>
            {shown.slice(0, MAX_ROWS).map((r) => (
              <TableRow
                key={r.id}
                hover
                data-testid="alarmdef-row"
                data-alarm-id={r.id}
                data-source={r.source}
                data-type={r.type}
                selected={editing?.form.id === r.id && !editing.isNew}
                onClick={() => {
                  const d = defs?.find((x) => x.id === r.id);
                  if (d) setEditing({ form: formFromDefinition(d), isNew: false });
                }}
                sx={{ cursor: 'pointer', opacity: r.enabled ? 1 : 0.6 }}
              >
                <TableCell sx={{ fontFamily: 'monospace', fontSize: 13 }}>{r.id}</TableCell>
                <TableCell>{r.type}</TableCell>
                <TableCell sx={{ fontFamily: 'monospace', fontSize: 13, maxWidth: 260, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }} title={r.point}>
                  {r.point}
                </TableCell>
                <TableCell>
                  <PriorityBadge priority={r.priority} size={15} />
                </TableCell>
                <TableCell>{r.class}</TableCell>
                <TableCell>{r.message}</TableCell>
                <TableCell align="right">{r.actions}</TableCell>
                <TableCell title={r.editedBy ? `by ${r.editedBy} at ${new Date(r.editedAt ?? 0).toLocaleString()}` : 'as in the site file'}>
                  <Box component="span" sx={{ fontWeight: r.source === 'site' ? 400 : 700 }}>
                    {SOURCE_LABEL[r.source]}
                  </Box>
                </TableCell>
                <TableCell padding="checkbox">
                  <IconButton
                    size="small"
                    aria-label={`Delete ${r.id}`}
                    data-testid="alarmdef-delete"
                    onClick={(e) => {
                      e.stopPropagation();
                      setConfirmDelete(r.id);
                    }}
                  >
                    <DeleteIcon fontSize="small" />
                  </IconButton>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Paper>

      {editing ? (
        <DefinitionEditor
          key={`${editing.isNew ? 'new' : editing.form.id}`}
          initial={editing.form}
          isNew={editing.isNew}
          existingIds={defs?.map((d) => d.id) ?? []}
          onCancel={() => setEditing(null)}
          onDelete={(id) => setConfirmDelete(id)}
          onSaved={async (d) => {
            setEditing(null);
            setInfo(`Saved ${d.id}. It is in effect now and kept over the site file.`);
            await reload();
          }}
        />
      ) : null}

      <Dialog open={confirmDelete !== null} onClose={() => setConfirmDelete(null)} aria-labelledby="alarmdef-delete-title">
        <DialogTitle id="alarmdef-delete-title">Delete alarm definition?</DialogTitle>
        <DialogContent>
          <Typography>
            The alarm <b>{confirmDelete}</b> stops at once: it is no longer evaluated, annunciated or journaled. The deletion is kept over the site file and recorded in the audit
            log.
          </Typography>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setConfirmDelete(null)}>Cancel</Button>
          <Button color="error" variant="contained" data-testid="alarmdef-delete-confirm" onClick={() => confirmDelete && void doDelete(confirmDelete)}>
            Delete
          </Button>
        </DialogActions>
      </Dialog>
    </Box>
  );
}

// ---------------------------------------------------------------- form

function DefinitionEditor({
  initial,
  isNew,
  existingIds,
  onCancel,
  onSaved,
  onDelete,
}: {
  initial: DefinitionForm;
  isNew: boolean;
  existingIds: readonly string[];
  onCancel: () => void;
  onSaved: (d: AlarmDefinition) => Promise<void>;
  onDelete: (id: string) => void;
}) {
  const client = useClient();
  const points = usePointMetaList();
  const [form, setForm] = useState<DefinitionForm>(initial);
  const [issues, setIssues] = useState<AlarmDefinitionIssue[]>([]);
  const [checked, setChecked] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const built = useMemo(() => formToDefinition(form), [form]);
  const duplicate = isNew && existingIds.includes(form.id.trim()) ? 'an alarm with this id exists: edit it from the table' : undefined;
  const byField = issuesByField(issues, form.type, { ...built.errors, ...(duplicate ? { id: duplicate } : {}) });
  const localOk = Object.keys(built.errors).length === 0 && !duplicate;

  // live validation by the core (schema, expression syntax, known points), debounced
  useEffect(() => {
    let alive = true;
    setChecked(false);
    const t = setTimeout(() => {
      client.call('alarms.definitions.validate', { definition: built.definition }).then(
        (r) => {
          if (!alive) return;
          setIssues(r.issues);
          setChecked(true);
        },
        (e: unknown) => {
          if (!alive) return;
          setIssues([{ path: '', message: toApiError(e).message }]);
          setChecked(true);
        },
      );
    }, 250);
    return () => {
      alive = false;
      clearTimeout(t);
    };
  }, [client, built]);

  const set = <K extends keyof DefinitionForm>(k: K, v: DefinitionForm[K]) => setForm((f) => ({ ...f, [k]: v }));
  const setAction = (k: number, patch: Partial<DefinitionForm['actions'][number]>) =>
    setForm((f) => ({ ...f, actions: f.actions.map((a, i) => (i === k ? { ...a, ...patch } : a)) }));

  const save = async () => {
    setSaving(true);
    setSaveError(null);
    try {
      const d = await client.call('alarms.definitions.upsert', { definition: built.definition as never });
      await onSaved(d);
    } catch (e) {
      const err = toApiError(e);
      setSaveError(`${err.message}${err.details.path ? ` (at ${err.details.path})` : ''}`);
      setSaving(false);
    }
  };

  const text = (field: keyof DefinitionForm & string, label: string, o: { width?: number; multiline?: boolean; required?: boolean; placeholder?: string; list?: string } = {}) => (
    <TextField
      label={label}
      size="small"
      required={o.required}
      value={form[field] as string}
      onChange={(e) => set(field, e.target.value as never)}
      error={byField[field] !== undefined}
      helperText={byField[field] ?? ' '}
      multiline={o.multiline}
      minRows={o.multiline ? 2 : undefined}
      placeholder={o.placeholder}
      sx={{ width: o.width ?? 180, ...fieldSx }}
      slotProps={{ htmlInput: { 'data-testid': `alarmdef-f-${field}`, ...(o.list ? { list: o.list } : {}) }, inputLabel: { shrink: true } }}
    />
  );
  const check = (field: 'enabled' | 'latching' | 'shelvable' | 'includeUncertain', label: string) => (
    <FormControlLabel
      control={<Checkbox size="small" checked={form[field]} onChange={(e) => set(field, e.target.checked)} slotProps={{ input: { 'data-testid': `alarmdef-f-${field}` } as object }} />}
      label={label}
    />
  );
  const hasPoint = form.type !== 'expression' && form.type !== 'system';
  const general = issues.filter((i) => !i.path);

  return (
    <Paper variant="outlined" data-testid="alarmdef-form" sx={{ p: 1.5, bgcolor: hmi.panel, display: 'flex', flexDirection: 'column', gap: 0.5, maxHeight: '60vh', overflow: 'auto' }}>
      <datalist id={POINTS_LIST}>
        {points.map((p) => (
          <option key={p.id} value={p.id}>
            {p.description ?? p.id}
          </option>
        ))}
      </datalist>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2 }}>
        <Typography variant="h3" component="h3" sx={{ fontSize: 16, fontWeight: 700 }}>
          {isNew ? 'New alarm definition' : `Edit ${initial.id}`}
        </Typography>
        <Typography data-testid="alarmdef-validity" data-ok={checked && issues.length === 0 && localOk ? 'true' : 'false'} sx={{ fontSize: 13, color: checked && issues.length === 0 && localOk ? hmi.textDim : hmi.alarmHigh }}>
          {!checked ? 'checking…' : issues.length === 0 && localOk ? 'valid' : `${issues.length + Object.keys(built.errors).length + (duplicate ? 1 : 0)} problem(s)`}
        </Typography>
      </Box>

      <Row title="Alarm">
        <NativeSelect label="Type" value={form.type} onChange={(v) => set('type', v as AlarmType)} width={190} disabled={!isNew} testId="alarmdef-f-type">
          {EDITABLE_TYPES.map((t) => (
            <option key={t} value={t}>
              {TYPE_LABEL[t]}
            </option>
          ))}
        </NativeSelect>
        {hasPoint ? text('point', 'Point', { width: 230, required: true, list: POINTS_LIST, placeholder: 'asset/Channel' }) : null}
        {form.type === 'limit' ? (
          <NativeSelect label="Level" value={form.level} onChange={(v) => set('level', v as DefinitionForm['level'])} width={130} testId="alarmdef-f-level">
            <option value="HH">HH (above)</option>
            <option value="H">H (above)</option>
            <option value="L">L (below)</option>
            <option value="LL">LL (below)</option>
          </NativeSelect>
        ) : null}
        {isNew ? (
          <TextField
            label="Id"
            size="small"
            required
            value={form.id}
            onChange={(e) => set('id', e.target.value)}
            placeholder={suggestId(form) || undefined}
            error={byField.id !== undefined}
            helperText={byField.id ?? (suggestId(form) ? `e.g. ${suggestId(form)}` : 'letters, digits, . _ : / -')}
            sx={{ width: 260, ...fieldSx }}
            slotProps={{ htmlInput: { 'data-testid': 'alarmdef-f-id' }, inputLabel: { shrink: true } }}
          />
        ) : null}
      </Row>

      <Row title="Condition">
        {form.type === 'limit' ? (
          <>
            {text('setpoint', 'Setpoint', { width: 120, required: true })}
            {text('deadband', 'Deadband', { width: 110 })}
          </>
        ) : null}
        {form.type === 'state' ? text('alarmValues', 'Alarm values (comma-separated)', { width: 260, required: true, placeholder: '3 or true' }) : null}
        {form.type === 'rate' ? (
          <>
            {text('ratePerMin', 'Rate (units/min)', { width: 140, required: true })}
            <NativeSelect label="Direction" value={form.direction} onChange={(v) => set('direction', v as DefinitionForm['direction'])} width={120} testId="alarmdef-f-direction">
              <option value="both">both</option>
              <option value="rise">rise</option>
              <option value="fall">fall</option>
            </NativeSelect>
            {text('windowS', 'Window (s)', { width: 110 })}
            {text('deadband', 'Deadband', { width: 110 })}
          </>
        ) : null}
        {form.type === 'deviation' ? (
          <>
            {text('deviationSetpoint', 'Setpoint (number or point)', { width: 230, required: true, list: POINTS_LIST })}
            {text('maxDeviation', 'Max deviation', { width: 130, required: true })}
            {text('deadband', 'Deadband', { width: 110 })}
          </>
        ) : null}
        {form.type === 'quality' ? (
          <Box sx={{ display: 'flex', alignItems: 'center', flexWrap: 'wrap' }}>
            {QUALITY_REASONS.map((r) => (
              <FormControlLabel
                key={r}
                label={r}
                control={
                  <Checkbox
                    size="small"
                    checked={form.reasons.includes(r)}
                    onChange={(e) => set('reasons', e.target.checked ? [...form.reasons, r] : form.reasons.filter((x) => x !== r))}
                  />
                }
              />
            ))}
            {check('includeUncertain', 'also uncertain')}
            {byField.reasons ? <Typography sx={{ color: hmi.alarmHigh, fontSize: 12 }}>{byField.reasons}</Typography> : null}
          </Box>
        ) : null}
        {form.type === 'expression' ? text('expr', 'Expression', { width: 560, required: true, placeholder: 'ess/Temperature > 40 and abs(ess/ActivePower) > 50' }) : null}
        {form.type === 'system' ? <Typography sx={{ fontSize: 13, color: hmi.textDim }}>Raised and cleared by a service of the core by its id.</Typography> : null}
        {text('onDelayS', 'On delay (s)', { width: 110 })}
        {text('offDelayS', 'Off delay (s)', { width: 110 })}
      </Row>

      <Row title="Rationalisation">
        <NativeSelect label="Priority" value={form.priority} onChange={(v) => set('priority', v as DefinitionForm['priority'])} width={150} testId="alarmdef-f-priority">
          {ALARM_PRIORITIES.map((p) => (
            <option key={p} value={p}>
              {PRIORITY_STYLE[p].number} {PRIORITY_STYLE[p].label}
            </option>
          ))}
        </NativeSelect>
        {text('class', 'Class', { width: 150, list: 'alarmdef-classes' })}
        <datalist id="alarmdef-classes">
          {ALARM_CLASSES.map((c) => (
            <option key={c} value={c} />
          ))}
        </datalist>
        {text('message', 'Message', { width: 420, required: true })}
        {text('consequence', 'Consequence', { width: 400, multiline: true })}
        {text('response', 'Operator response', { width: 400, multiline: true })}
        {text('suppressWhen', 'Suppress when (expression)', { width: 320 })}
        {check('enabled', 'enabled')}
        {check('latching', 'latching')}
        {check('shelvable', 'shelvable')}
      </Row>

      <Row title="Procedure">
        <Box sx={{ display: 'flex', flexDirection: 'column', gap: 0.5 }}>
          {form.actions.map((a, k) => (
            <Box key={k} sx={{ display: 'flex', gap: 1, alignItems: 'flex-start' }} data-testid="alarmdef-action">
              <Typography sx={{ pt: 1, width: 20 }}>{k + 1}.</Typography>
              <TextField
                label="Target point"
                size="small"
                value={a.target}
                onChange={(e) => setAction(k, { target: e.target.value })}
                error={byField[`actions[${k}].target`] !== undefined || byField[`actions[${k}]`] !== undefined}
                helperText={byField[`actions[${k}].target`] ?? byField[`actions[${k}]`] ?? ' '}
                sx={{ width: 230, ...fieldSx }}
                slotProps={{ htmlInput: { list: POINTS_LIST, 'data-testid': `alarmdef-action-target-${k}` }, inputLabel: { shrink: true } }}
              />
              <TextField
                label="Value"
                size="small"
                value={a.value}
                onChange={(e) => setAction(k, { value: e.target.value })}
                error={byField[`actions[${k}].value`] !== undefined}
                helperText={byField[`actions[${k}].value`] ?? ' '}
                sx={{ width: 110, ...fieldSx }}
                slotProps={{ htmlInput: { 'data-testid': `alarmdef-action-value-${k}` }, inputLabel: { shrink: true } }}
              />
              <TextField
                label="Reason (audit)"
                size="small"
                value={a.reason}
                onChange={(e) => setAction(k, { reason: e.target.value })}
                helperText=" "
                sx={{ width: 300, ...fieldSx }}
                slotProps={{ inputLabel: { shrink: true } }}
              />
              <IconButton aria-label={`Remove step ${k + 1}`} onClick={() => set('actions', form.actions.filter((_x, i) => i !== k))}>
                <DeleteIcon fontSize="small" />
              </IconButton>
            </Box>
          ))}
          <Box>
            <Button
              size="small"
              data-testid="alarmdef-action-add"
              disabled={form.actions.length >= 20}
              onClick={() => set('actions', [...form.actions, { target: '', value: '0', reason: '' }])}
              sx={{ textTransform: 'none' }}
            >
              Add procedure step
            </Button>
          </Box>
        </Box>
      </Row>

      {issues.length > 0 || general.length > 0 ? (
        <Alert severity="warning" data-testid="alarmdef-issues" sx={{ py: 0 }}>
          {issues.map((i, k) => (
            <div key={k} data-path={i.path}>
              <b>{i.path || 'definition'}</b>: {i.message}
            </div>
          ))}
        </Alert>
      ) : null}
      {saveError ? (
        <Alert severity="error" data-testid="alarmdef-save-error">
          {saveError}
        </Alert>
      ) : null}
      <Box sx={{ display: 'flex', gap: 1 }}>
        <Button variant="contained" data-testid="alarmdef-save" disabled={saving || !localOk || !checked || issues.length > 0} onClick={() => void save()} sx={{ textTransform: 'none' }}>
          {isNew ? 'Add' : 'Save'}
        </Button>
        <Button data-testid="alarmdef-cancel" onClick={onCancel} sx={{ textTransform: 'none' }}>
          Cancel
        </Button>
        <Box sx={{ flex: 1 }} />
        {!isNew ? (
          <Button color="error" onClick={() => onDelete(initial.id)} sx={{ textTransform: 'none' }}>
            Delete…
          </Button>
        ) : null}
      </Box>
    </Paper>
  );
}

function Row({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Box sx={{ display: 'flex', gap: 1.5, alignItems: 'flex-start' }}>
      <Typography sx={{ width: 110, flexShrink: 0, pt: 1, fontSize: 13, fontWeight: 700, color: hmi.textDim }}>{title}</Typography>
      <Box sx={{ display: 'flex', gap: 1.25, flexWrap: 'wrap', alignItems: 'flex-start' }}>{children}</Box>
    </Box>
  );
}

function NativeSelect({
  label,
  value,
  onChange,
  width,
  disabled,
  testId,
  children,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  width: number;
  disabled?: boolean;
  testId?: string;
  children: ReactNode;
}) {
  return (
    <TextField
      select
      label={label}
      size="small"
      value={value}
      disabled={disabled}
      onChange={(e) => onChange(e.target.value)}
      helperText=" "
      sx={{ width, ...fieldSx }}
      slotProps={{ select: { native: true }, htmlInput: testId ? { 'data-testid': testId } : {}, inputLabel: { shrink: true } }}
    >
      {children}
    </TextField>
  );
}
