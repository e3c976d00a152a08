/** The status bar's "Display" menu: day or night theme and the language, remembered per user. */
import Button from '@mui/material/Button';
import ListItemIcon from '@mui/material/ListItemIcon';
import ListItemText from '@mui/material/ListItemText';
import ListSubheader from '@mui/material/ListSubheader';
import Menu from '@mui/material/Menu';
import MenuItem from '@mui/material/MenuItem';
import CheckIcon from '@mui/icons-material/Check';
import DarkModeOutlinedIcon from '@mui/icons-material/DarkModeOutlined';
import LightModeOutlinedIcon from '@mui/icons-material/LightModeOutlined';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LANGUAGES, LANGUAGE_NAMES } from '../i18n/i18n';
import { THEME_MODES, hmi } from '../theme';
import { usePrefs } from './prefs';
import { runShellAction } from './ShellCommands';
import Divider from '@mui/material/Divider';

export function DisplayMenu() {
  const prefs = usePrefs();
  const { t, i18n } = useTranslation();
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const close = (): void => setAnchor(null);
  return (
    <>
      <Button
        size="small"
        color="inherit"
        aria-haspopup="menu"
        aria-expanded={anchor ? 'true' : undefined}
        onClick={(e) => setAnchor(e.currentTarget)}
        startIcon={prefs.theme === 'night' ? <DarkModeOutlinedIcon fontSize="small" /> : <LightModeOutlinedIcon fontSize="small" />}
        data-testid="display-menu"
        sx={{ fontSize: 12, textTransform: 'none', color: hmi.text }}
      >
        {t('display.menu')}
      </Button>
      <Menu anchorEl={anchor} open={!!anchor} onClose={close}>
        <ListSubheader sx={{ lineHeight: '28px', bgcolor: 'transparent' }}>{t('display.theme')}</ListSubheader>
        {THEME_MODES.map((m) => (
          <MenuItem
            key={m}
            role="menuitemradio"
            aria-checked={prefs.theme === m}
            data-testid={`theme-${m}`}
            onClick={() => {
              prefs.set({ theme: m });
              close();
            }}
          >
            <ListItemIcon>{prefs.theme === m ? <CheckIcon fontSize="small" /> : null}</ListItemIcon>
            <ListItemText>{t(`display.${m}`)}</ListItemText>
          </MenuItem>
        ))}
        <ListSubheader sx={{ lineHeight: '28px', bgcolor: 'transparent' }}>{t('display.language')}</ListSubheader>
        {LANGUAGES.map((l) => (
          <MenuItem
            key={l}
            role="menuitemradio"
            aria-checked={i18n.language === l}
            lang={l}
            data-testid={`language-${l}`}
            onClick={() => {
              prefs.set({ language: l });
              close();
            }}
          >
            <ListItemIcon>{i18n.language === l ? <CheckIcon fontSize="small" /> : null}</ListItemIcon>
            <ListItemText>{LANGUAGE_NAMES[l]}</ListItemText>
          </MenuItem>
        ))}
        <Divider />
        <MenuItem
          data-testid="menu-help"
          onClick={() => {
            close();
            runShellAction({ kind: 'help' });
          }}
        >
          <ListItemIcon />
          <ListItemText secondary="F1">{t('help.menu')}</ListItemText>
        </MenuItem>
        <MenuItem
          data-testid="menu-about"
          onClick={() => {
            close();
            runShellAction({ kind: 'about' });
          }}
        >
          <ListItemIcon />
          <ListItemText>{t('about.menu')}</ListItemText>
        </MenuItem>
      </Menu>
    </>
  );
}
