/**
 * Vite build of the renderer. The same bundle runs inside Electron (loaded from
 * dist/renderer/index.html) and in browser mode (served by the core host on 127.0.0.1),
 * hence the relative base. `npm run build:renderer` uses this file.
 *
 * Dev: `npx vite --config renderer/vite.config.mts` serves the renderer with hot reload and
 * proxies /api (the WebSocket) to a host started in browser mode on port 8765.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const hostPort = Number(process.env.ESM_HOST_PORT ?? 8765);

export default defineConfig({
  root: here,
  base: './',
  // Vite 8 transforms TS/JSX with oxc; no React plugin needed (no fast refresh, full reloads).
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      input: fileURLToPath(new URL('./index.html', import.meta.url)),
      // MUI ships 'use client' directives (React Server Components); meaningless in this SPA
      checks: { moduleLevelDirective: false },
    },
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: {
      '/api': { target: `ws://127.0.0.1:${hostPort}`, ws: true, changeOrigin: true },
    },
  },
});
