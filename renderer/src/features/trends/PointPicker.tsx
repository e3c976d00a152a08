/**
 * Adds a point by searching its asset (id or name), nature, channel, unit or description.
 * Used by the trend screen and the history page. Options: data-testid="point-option-<id>".
 */
import Autocomplete from '@mui/material/Autocomplete';
import Box from '@mui/material/Box';
import TextField from '@mui/material/TextField';
import { useMemo, useState } from 'react';
import type { PointId, PointMeta } from '../../../../core/common/point';
import { usePointMetaList, useSite } from '../../api/hooks';
import { fieldSx, hmi } from '../../theme';
import { searchPoints, type AssetInfo } from './trendModel';

export interface PointPickerProps {
  /** already chosen: not offered again */
  exclude: readonly PointId[];
  onPick: (id: PointId) => void;
  /** which points may be chosen (default: all) */
  accept?: (m: PointMeta) => boolean;
  disabled?: boolean;
  label?: string;
  width?: number;
}

export function PointPicker({ exclude, onPick, accept, disabled, label = 'Add point', width = 340 }: PointPickerProps) {
  const metas = usePointMetaList();
  const site = useSite();
  const [input, setInput] = useState('');
  const assets: AssetInfo[] = useMemo(() => site?.assets.map((a) => ({ id: a.id, name: a.name, nature: a.nature })) ?? [], [site]);
  const assetName = useMemo(() => new Map(assets.map((a) => [a.id, a])), [assets]);
  const options = useMemo(() => {
    const ex = new Set(exclude);
    return metas.filter((m) => !ex.has(m.id) && (!accept || accept(m)));
  }, [metas, exclude, accept]);

  return (
    <Autocomplete<PointMeta, false, false, false>
      size="small"
      options={options}
      value={null}
      inputValue={input}
      onInputChange={(_e, v, reason) => {
        if (reason !== 'reset') setInput(v);
      }}
      onChange={(_e, m) => {
        if (m) {
          onPick(m.id);
          setInput('');
        }
      }}
      disabled={disabled}
      blurOnSelect={false}
      clearOnBlur={false}
      filterOptions={(opts, st) => searchPoints(opts, assets, st.inputValue).slice(0, 300)}
      groupBy={(m) => assetName.get(m.assetId)?.name ?? m.assetId}
      getOptionLabel={(m) => m.id}
      isOptionEqualToValue={(a, b) => a.id === b.id}
      noOptionsText="No matching point"
      renderOption={(props, m) => {
        const { key, ...rest } = props;
        return (
          <Box component="li" key={key} {...rest} data-testid={`point-option-${m.id}`} sx={{ display: 'flex', gap: 1, alignItems: 'baseline' }}>
            <Box component="span" sx={{ fontWeight: 600 }}>
              {m.channel}
            </Box>
            <Box component="span" sx={{ color: hmi.textDim, fontSize: 12 }}>
              {m.id}
              {m.unit ? ` · ${m.unit}` : ''}
              {m.description ? ` · ${m.description}` : ''}
            </Box>
          </Box>
        );
      }}
      renderInput={(params) => (
        <TextField
          {...params}
          label={label}
          placeholder="asset, nature, channel, e.g. ess soc"
          sx={fieldSx}
          slotProps={{ ...params.slotProps, inputLabel: { ...params.slotProps.inputLabel, shrink: true }, htmlInput: { ...params.slotProps.htmlInput, 'data-testid': 'point-picker', spellCheck: false } }}
        />
      )}
      sx={{ width }}
    />
  );
}
