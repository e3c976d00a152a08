// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/**
 * Layering (DESIGN.md "Rooms and who may enter"). Do not relax these rules: a renderer that
 * can reach node:fs or a driver, or a core service that imports Electron, breaks the product's
 * security model and its browser mode. See docs/architecture.md.
 */
const NODE_BUILTINS = ['node:*', 'fs', 'fs/*', 'path', 'os', 'net', 'http', 'https', 'child_process', 'worker_threads', 'crypto', 'stream', 'events', 'util', 'url', 'dgram', 'tls', 'zlib', 'buffer', 'process'];

/** Any import of core/ other than core/common. */
const CORE_SERVICES = '(^|/)core/(?!common(/|$))';

const layer = (files, patterns, message, regexes = []) => ({
  files,
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      { patterns: [{ group: patterns, message }, ...regexes.map((regex) => ({ regex, message }))] },
    ],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'renderer/dist/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  layer(
    ['core/common/**/*.ts'],
    [...NODE_BUILTINS, 'electron', 'better-sqlite3', '**/drivers/**', '**/renderer/**', '**/electron/**', '../*/**', '!../common/**', '../../**'],
    'core/common is pure: it may import only core/common (and zod). No Node, DOM, Electron, drivers or renderer.',
  ),
  layer(
    ['core/!(common)/**/*.ts'],
    ['electron', '**/drivers/**', '**/renderer/**', '**/electron/**'],
    'core services may import core/, Node and their libraries, never electron/, renderer/ or drivers/ (composition happens in electron/, see docs/decisions/0001).',
  ),
  // energy management: the optimiser and forecasts compute; they never reach a device or a store
  // themselves (the plan service in core/plan wires them to the historian, alarms and cycle)
  layer(
    ['core/optimiser/**/*.ts', 'core/forecast/**/*.ts'],
    ['electron', '**/drivers/**', '**/renderer/**', '**/electron/**', 'better-sqlite3', 'modbus-serial', 'ws', 'nodemailer', 'koffi'],
    'core/optimiser and core/forecast may import core/common, core/config (tests), each other, Node, highs and suncalc: never drivers/, renderer/, electron/ or a store.',
    ['^\\.\\./(?!(common|config|optimiser|forecast)(/|$))'],
  ),
  // their tests run them against the real alarm engine and historian
  layer(
    ['core/optimiser/**/*.test.ts', 'core/forecast/**/*.test.ts'],
    ['electron', '**/drivers/**', '**/renderer/**', '**/electron/**'],
    'core/optimiser and core/forecast tests may use core services, Node and their libraries, never electron/, renderer/ or drivers/.',
  ),
  layer(
    ['drivers/**/*.ts'],
    ['electron', 'better-sqlite3', '**/renderer/**', '**/electron/**'],
    'drivers may import core/common, Node and their protocol library only.',
    [CORE_SERVICES],
  ),
  layer(
    ['drivers/iec61850/**/*.ts'],
    ['electron', 'better-sqlite3', 'modbus-serial', '**/renderer/**', '**/electron/**', '**/drivers/modbus/**', '**/drivers/sim/**'],
    'drivers/iec61850 may import core/common, Node, koffi (libiec61850) and fast-xml-parser (SCL) only.',
    [CORE_SERVICES],
  ),
  layer(
    ['drivers/sim/model/**/*.ts'],
    [...NODE_BUILTINS, 'electron', 'better-sqlite3', 'modbus-serial', '**/renderer/**', '**/electron/**'],
    'drivers/sim/model is the plant physics: pure, it may import only core/common.',
    [CORE_SERVICES, '^\\.\\./serve(/|$)', '^\\.\\./\\.\\./(?!\\.\\./core/common(/|$))'],
  ),
  layer(
    ['renderer/**/*.{ts,tsx}'],
    // (renderer unit tests: see the override below)
    [...NODE_BUILTINS, 'electron', 'better-sqlite3', 'modbus-serial', 'ws', '**/drivers/**', '**/electron/**'],
    'the renderer may import core/common (types and pure helpers) and browser libraries only: never Node, Electron, drivers or core services.',
    [CORE_SERVICES],
  ),
  // renderer unit tests run under node --test (never bundled): node:test and node:assert only
  layer(
    ['renderer/**/*.test.ts'],
    ['electron', 'better-sqlite3', 'modbus-serial', 'ws', 'fs', 'node:fs', 'node:child_process', 'node:net', '**/drivers/**', '**/electron/**'],
    'renderer tests may use node:test and node:assert, and otherwise only what the renderer may import.',
    [CORE_SERVICES],
  ),
);
