/**
 * A core that fails on purpose, for supervisor.test.ts: the demo site with the process-level
 * failure handlers of the launcher installed, then an error nobody catches.
 *   crash-child.ts <dataDir> throw    an uncaught RangeError (the JSON.stringify failure of issue #8)
 *   crash-child.ts <dataDir> reject   a rejected promise nobody awaits; prints the alarms, exits 0
 */
import { composeApp } from '../../../electron/compose';
import { installFailureHandlers, type FailureContext } from '../../../electron/supervise';

async function main(): Promise<void> {
  const [dataDir, mode] = process.argv.slice(2);
  if (!dataDir || !mode) throw new Error('usage: crash-child.ts <dataDir> throw|reject');
  const ctx: FailureContext = { dataDir };
  installFailureHandlers(() => ctx);
  const app = await composeApp({ mode: 'browser', ephemeralSimPorts: true, dataDir });
  ctx.host = app.host;
  console.log('started');
  if (mode === 'throw') {
    setTimeout(() => {
      throw new RangeError('Invalid string length');
    }, 200);
    return;
  }
  void Promise.reject(new TypeError('Cannot read properties of undefined (reading "value")'));
  setTimeout(() => {
    const alarms = app.host.svc.alarms.list({}).alarms.map((a) => ({ id: a.id, state: a.state, value: a.value }));
    console.log(`ALARMS ${JSON.stringify(alarms)}`);
    void app.stop().then(() => process.exit(0));
  }, 500);
}

void main();
