import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createClient } from './api/createClient';
import { LiveSite } from './api/live';
import { App } from './App';

const live = new LiveSite(createClient()).start();

// for e2e tests and benchmarks: read-only access to the live stores
(window as unknown as { __esm?: LiveSite }).__esm = live;

const root = document.getElementById('root');
if (!root) throw new Error('#root missing from index.html');
createRoot(root).render(
  <StrictMode>
    <App live={live} />
  </StrictMode>,
);
