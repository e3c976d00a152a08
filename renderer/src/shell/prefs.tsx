/**
 * The operator's display preferences (theme, language), remembered per user on this
 * workstation (localStorage: `esm.prefs.<user>`; before sign-in, the last one used here; a
 * user who never chose gets the defaults).
 * A switch takes effect at once, without a restart.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useAuth } from '../api/hooks';
import { THEME_MODES, type ThemeMode } from '../theme';

export interface DisplayPrefs {
  theme: ThemeMode;
  /** a language code of LANGUAGES (i18n), or undefined: the browser's language */
  language?: string;
}

export interface KeyValue {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const LAST = 'esm.prefs.last';
const keyOf = (user: string): string => `esm.prefs.${user}`;
export const DEFAULT_PREFS: DisplayPrefs = { theme: 'day' };

/** The preferences of `user` (or the last used here), defaults for what is missing or unreadable. */
export function loadPrefs(store: KeyValue | undefined, user: string | undefined): DisplayPrefs {
  const raw = store?.getItem(user ? keyOf(user) : LAST) ?? null;
  let v: Partial<DisplayPrefs> = {};
  try {
    v = raw ? (JSON.parse(raw) as Partial<DisplayPrefs>) : {};
  } catch {
    v = {};
  }
  return {
    theme: THEME_MODES.includes(v.theme as ThemeMode) ? (v.theme as ThemeMode) : DEFAULT_PREFS.theme,
    ...(typeof v.language === 'string' ? { language: v.language } : {}),
  };
}

/** Stores the preferences of `user`, and as the last used on this workstation. */
export function savePrefs(store: KeyValue | undefined, user: string | undefined, p: DisplayPrefs): void {
  try {
    const s = JSON.stringify(p);
    if (user) store?.setItem(keyOf(user), s);
    store?.setItem(LAST, s);
  } catch {
    // storage full or disabled: the choice holds until the window closes
  }
}

function browserStore(): KeyValue | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}

interface PrefsValue extends DisplayPrefs {
  set(patch: Partial<DisplayPrefs>): void;
}

const PrefsContext = createContext<PrefsValue>({ ...DEFAULT_PREFS, set: () => undefined });

export function PrefsProvider({ children, onChange }: { children: ReactNode; onChange?: (p: DisplayPrefs) => void }) {
  const user = useAuth().session?.user;
  const store = browserStore();
  const [prefs, setPrefs] = useState<DisplayPrefs>(() => loadPrefs(store, user));
  // another user signs in: their own preferences
  useEffect(() => setPrefs(loadPrefs(browserStore(), user)), [user]);
  useEffect(() => onChange?.(prefs), [prefs, onChange]);
  const set = useCallback(
    (patch: Partial<DisplayPrefs>) =>
      setPrefs((old) => {
        const next = { ...old, ...patch };
        savePrefs(browserStore(), user, next);
        return next;
      }),
    [user],
  );
  const value = useMemo(() => ({ ...prefs, set }), [prefs, set]);
  return <PrefsContext.Provider value={value}>{children}</PrefsContext.Provider>;
}

export function usePrefs(): PrefsValue {
  return useContext(PrefsContext);
}
