import type { EsmClient } from '../../../core/common/api/contract';
import { ElectronClient } from './electronClient';
import { WsClient, defaultApiUrl } from './wsClient';

/**
 * The one way the UI obtains its API client: Electron IPC when the preload exposed
 * `window.esm`, the browser-mode WebSocket otherwise. Nothing else in the UI knows which.
 */
export function createClient(): EsmClient {
  if (typeof window !== 'undefined' && window.esm) return new ElectronClient(window.esm);
  return new WsClient(defaultApiUrl());
}
