/**
 * SCL import from the command line (infra.01 bulk configuration): proposes a profile file
 * and a site-file device entry for one IED of an ICD/CID/SCD file, without connecting.
 *
 *   node --import tsx drivers/iec61850/scl-import.ts FILE.cid --device esc1 --asset es-controller \
 *        [--ied ESC1] [--profile esc1-61850] [--host 192.168.10.21] [--port 102] [--out assets/profiles]
 *
 * Writes <profile>.yaml into --out (or prints it) and prints the device entry to add under
 * `devices:`. A bad file is reported with file:line:column.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { importIed, parseScl } from './scl';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function main(): number {
  const file = process.argv[2];
  const device = arg('device');
  const asset = arg('asset');
  if (!file || file.startsWith('--') || !device || !asset) {
    console.error('usage: scl-import FILE --device ID --asset ID [--ied NAME] [--profile ID] [--host HOST] [--port N] [--out DIR]');
    return 2;
  }
  try {
    const model = parseScl(readFileSync(file, 'utf8'), file);
    const port = arg('port');
    const r = importIed(model, {
      ...(arg('ied') ? { iedName: arg('ied') as string } : {}),
      profileId: arg('profile') ?? `${device}-61850`,
      deviceId: device,
      assetId: asset,
      ...(arg('host') ? { host: arg('host') as string } : {}),
      ...(port ? { port: Number(port) } : {}),
    });
    const yamlText = stringify(r.profile, { lineWidth: 0 });
    const out = arg('out');
    if (out) {
      const path = join(out, `${String(r.profile.id)}.yaml`);
      writeFileSync(path, yamlText, { flag: 'wx' });
      console.log(`# profile written to ${path} (${(r.profile.channels as unknown[]).length} channels)`);
    } else console.log(yamlText);
    console.log('# add under devices: in the site file');
    console.log(stringify([r.device]));
    return 0;
  } catch (e) {
    console.error((e as Error).message);
    return 1;
  }
}

process.exitCode = main();
