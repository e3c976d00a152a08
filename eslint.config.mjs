// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Layering (DESIGN.md "Rooms and who may enter", docs/architecture.md "Rooms") as
 * allow-lists: each room says what it may import (folders of this repository, Node's
 * built-ins, packages); anything else is refused with the room's rule. Do not relax these: a
 * renderer that can reach node:fs or a driver, or a core service that imports Electron, breaks
 * the product's security model and its browser mode. A new folder under drivers/ is a
 * protocol room by default (core/common, drivers/common and itself, Node).
 *
 * Tokens: NODE = any Node built-in; '$own' = the file's own folder under drivers/.
 */
const NODE = 'NODE';
const TESTS = ['node:test', 'node:assert'];

/** Most specific first; a file belongs to the first room whose folder holds it. */
const ROOMS = [
  { dir: 'core/common', may: ['core/common'], packages: ['zod'], why: 'core/common is pure: no Node, DOM, Electron, drivers or renderer' },
  ...['core/optimiser', 'core/forecast'].map((dir) => ({
    dir,
    may: ['core/common', 'core/config', 'core/optimiser', 'core/forecast'],
    packages: [NODE, 'highs', 'suncalc', 'ml-regression-multivariate-linear'],
    // their tests run them against the real alarm engine and historian
    tests: { may: ['core'] },
    why: 'the optimiser and forecasts compute; they never reach a device or a store themselves (core/plan wires them)',
  })),
  {
    dir: 'core/prices',
    may: ['core/common', 'core/optimiser', 'core/prices'],
    packages: [NODE, 'fast-xml-parser'],
    tests: { may: ['core'] },
    why: 'market prices are read from files or a URL and turned into price series; core/plan and the host wire them',
  },
  // the asset views and the control cycle run every second on a frozen snapshot: no I/O, no
  // Node, no store; time comes from the injected Scheduler (core/common/clock.ts), never a timer
  { dir: 'core/assets', may: ['core/common', 'core/assets'], packages: [], why: 'typed views over the CVT are pure' },
  {
    dir: 'core/cycle/controllers',
    may: ['core/common', 'core/assets', 'core/cycle/controller', 'core/cycle/controllers'],
    packages: [],
    why: 'a controller reads natures through core/assets and returns requests: never a lane, a driver, a store or a timer',
  },
  {
    dir: 'core/cycle',
    may: ['core/common', 'core/assets', 'core/cycle', 'core/control/machine'],
    packages: [],
    why: 'the control cycle is pure: it hands its setpoints to the machine lane and takes time from the injected Scheduler',
  },
  // a study runs the plant simulator's pure physics (never a bridge or a server) with the
  // controllers and the optimiser on a virtual clock, in its own worker (docs/decisions/0010)
  {
    dir: 'core/study',
    may: ['core', 'drivers/sim/model'],
    packages: [NODE, 'zod', 'better-sqlite3', 'echarts'],
    why: 'a study may use the plant physics (drivers/sim/model) but never a driver, a bridge, electron/ or renderer/',
  },
  // the KPI reports render their charts with ECharts on the server and zip XLSX with fflate
  { dir: 'core/kpi', may: ['core'], packages: [NODE, 'zod', 'better-sqlite3', 'echarts', 'fflate'], why: 'the KPIs read the historian and write reports; never electron/, renderer/ or drivers/' },
  {
    dir: 'core',
    may: ['core'],
    packages: [NODE, 'zod', 'yaml', 'ws', 'better-sqlite3', 'nodemailer'],
    why: 'core services never import electron/, renderer/ or drivers/ (composition happens in electron/, docs/decisions/0001)',
  },
  { dir: 'drivers/sim/model', may: ['core/common', 'drivers/sim/model'], packages: [], why: 'the plant physics is pure' },
  { dir: 'drivers/sim', may: ['core/common', 'drivers'], packages: [NODE, 'yaml', 'zod', 'modbus-serial', 'node-opcua', 'ocpp-rpc'], why: 'the simulator serves the model over the drivers’ servers' },
  { dir: 'drivers/modbus', may: ['core/common', '$own', 'drivers/common'], packages: [NODE, 'zod', 'modbus-serial'], why: 'a driver never imports core services, another driver, Electron or the renderer' },
  { dir: 'drivers/iec61850', may: ['core/common', '$own', 'drivers/common'], packages: [NODE, 'zod', 'koffi', 'fast-xml-parser', 'yaml'], tests: { packages: [...TESTS, 'yaml'] }, why: 'a driver never imports core services, another driver, Electron or the renderer' },
  { dir: 'drivers/opcua', may: ['core/common', '$own', 'drivers/common'], packages: [NODE, 'zod', 'node-opcua'], why: 'a driver never imports core services, another driver, Electron or the renderer' },
  { dir: 'drivers/ocpp', may: ['core/common', '$own', 'drivers/common'], packages: [NODE, 'zod', 'ocpp-rpc'], tests: { packages: [...TESTS, 'yaml'] }, why: 'a driver never imports core services, another driver, Electron or the renderer' },
  { dir: 'drivers/common', may: ['core/common', 'drivers/common'], packages: [NODE], why: 'shared driver parts know no protocol' },
  { dir: 'drivers', may: ['core/common', '$own', 'drivers/common'], packages: [NODE, 'zod'], why: 'a driver never imports core services, another driver, Electron or the renderer' },
  { dir: 'electron', may: ['core', 'drivers', 'electron'], packages: [NODE, 'electron', 'zod'], why: 'the composition root joins core/ and drivers/, never the renderer' },
  {
    dir: 'renderer',
    may: ['core/common', 'renderer'],
    packages: ['react', 'react-dom', '@mui/material', '@mui/icons-material', '@emotion/react', '@emotion/styled', '@tanstack/react-virtual', 'echarts', 'zod', 'i18next', 'react-i18next'],
    // unit tests run under node --test (never bundled): node:test and node:assert only
    tests: { packages: TESTS },
    why: 'the renderer uses core/common (types and pure helpers) and browser libraries only: never Node, Electron, drivers or core services',
  },
];
// the renderer's build configuration runs in Node
const RENDERER_BUILD = { dir: 'renderer', may: ['renderer'], packages: [NODE, 'vite', '@vitejs/plugin-react'], why: 'the renderer build runs in Node' };

const ROOT = dirname(fileURLToPath(import.meta.url));
const BUILTINS = new Set(builtinModules);

function roomOf(file) {
  if (/^renderer\/[^/]+\.config\.m?ts$/.test(file)) return RENDERER_BUILD;
  return ROOMS.find((r) => file === r.dir || file.startsWith(`${r.dir}/`));
}

function isBuiltin(spec) {
  return spec.startsWith('node:') || BUILTINS.has(spec) || BUILTINS.has(spec.split('/')[0]);
}

/** 'node:assert/strict' -> 'node:assert'; '@mui/material/Box' -> '@mui/material'; 'echarts/core' -> 'echarts' */
function packageOf(spec) {
  if (isBuiltin(spec)) return `node:${spec.replace(/^node:/, '').split('/')[0]}`;
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function checkImport(room, file, spec, isTest) {
  const may = [...room.may, ...(isTest ? (room.tests?.may ?? []) : [])].map((m) => (m === '$own' ? file.split('/').slice(0, 2).join('/') : m));
  const packages = [...room.packages, ...(isTest ? (room.tests?.packages ?? TESTS) : [])];
  const allowed = `${room.dir} may import ${[...may.map((m) => `${m}/`), ...packages.map((p) => (p === NODE ? 'Node built-ins' : p))].join(', ')} (${room.why})`;
  if (spec.startsWith('.')) {
    const target = relative(ROOT, resolve(ROOT, dirname(file), spec)).split(sep).join('/');
    if (target.startsWith('..')) return `"${spec}" is outside the repository. ${allowed}`;
    if (may.some((m) => target === m || target.startsWith(`${m}/`))) return null;
    return `"${spec}" (${target}) is not allowed here: ${allowed}`;
  }
  const pkg = packageOf(spec);
  if (packages.includes(pkg)) return null;
  if (isBuiltin(spec) && packages.includes(NODE)) return null;
  return `"${spec}" is not allowed here: ${allowed}`;
}

const roomsPlugin = {
  rules: {
    rooms: {
      meta: { type: 'problem', schema: [] },
      create(context) {
        const file = relative(ROOT, context.filename).split(sep).join('/');
        const room = roomOf(file);
        if (!room) return {};
        const isTest = /\.test\.tsx?$/.test(file);
        const check = (node, source) => {
          if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return;
          const problem = checkImport(room, file, source.value, isTest);
          if (problem) context.report({ node, message: problem });
        };
        return {
          ImportDeclaration: (n) => check(n, n.source),
          ExportNamedDeclaration: (n) => check(n, n.source),
          ExportAllDeclaration: (n) => check(n, n.source),
          ImportExpression: (n) => check(n, n.source),
          TSImportEqualsDeclaration: (n) => check(n, n.moduleReference?.expression),
          CallExpression: (n) => {
            if (n.callee.type === 'Identifier' && n.callee.name === 'require' && n.arguments.length === 1) check(n, n.arguments[0]);
          },
        };
      },
    },
  },
};

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
  {
    files: ['**/*.{ts,tsx,mts}'],
    plugins: { esm: roomsPlugin },
    rules: { 'esm/rooms': 'error' },
  },
);
