/** A select of the site's assets, "All assets" first, each shown by its name and id. */
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import { useTranslation } from 'react-i18next';
import { fieldSx } from '../theme';

export interface AssetSelectProps {
  /** the chosen asset id, '' for all */
  value: string;
  onChange: (assetId: string) => void;
  assets: readonly string[];
  /** asset id -> name; an asset without one is shown by its id */
  names: ReadonlyMap<string, string>;
  width: number;
  /** data-testid of the select's input */
  testid?: string;
}

export function AssetSelect({ value, onChange, assets, names, width, testid }: AssetSelectProps) {
  const { t } = useTranslation();
  return (
    <TextField
      select
      label={t('common.asset')}
      size="small"
      value={value}
      onChange={(e) => onChange(e.target.value)}
      sx={{ width, ...fieldSx }}
      slotProps={testid ? { select: { inputProps: { 'data-testid': testid } } } : undefined}
    >
      <MenuItem value="">{t('common.allAssets')}</MenuItem>
      {assets.map((a) => (
        <MenuItem key={a} value={a}>
          {names.get(a) ? `${names.get(a)} (${a})` : a}
        </MenuItem>
      ))}
    </TextField>
  );
}
