/**
 * Generates assets/profiles/README.md from the profile files, so the register tables cannot
 * drift from the YAML (profile-doc.test.ts fails when they do).
 *
 *   node --import tsx drivers/sim/serve/profile-doc.ts > assets/profiles/README.md
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { modbusProfileSchema, type ModbusProfile, type ModbusRegister } from '../../../core/common/site';

/** The Modbus profiles of a folder (other protocols' profiles are documented by their drivers). */
export function readProfiles(dir: string): Array<{ file: string; profile: ModbusProfile }> {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/i.test(f))
    .sort()
    .map((file) => ({ file, data: parse(readFileSync(join(dir, file), 'utf8')) as unknown }))
    .filter(({ data }) => (data as { protocol?: unknown } | null)?.protocol === 'modbus')
    .map(({ file, data }) => ({ file, profile: modbusProfileSchema.parse(data) }));
}

const TABLE: Record<ModbusRegister['table'], string> = {
  holding: 'holding (FC3/6/16)',
  input: 'input (FC4)',
  coil: 'coil (FC1/5)',
  discrete: 'discrete (FC2)',
};

/** one table row of a register; the test looks for exactly this text in the README */
export function registerRow(p: ModbusProfile, r: ModbusRegister): string {
  const words = r.type === 'int32' || r.type === 'uint32' || r.type === 'float32' ? 2 : 1;
  const order = words === 2 ? ` ${r.wordOrder ?? p.wordOrder}` : '';
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const states = r.states ? ` States: ${Object.entries(r.states).map(([k, l]) => `${k} = ${l}`).join(', ')}.` : '';
  const feedback = r.feedback ? ` Confirmed by ${r.feedback}.` : '';
  const text = (r.description ?? '') + (states || feedback ? (r.description && !/\.$/.test(r.description) ? '.' : '') + states + feedback : '');
  return `| ${r.address} | ${TABLE[r.table]} | ${r.channel} | ${r.type}${order} | ${r.scale} | ${r.unit || '-'} | ${r.access} | ${cell(text.trim())} |`;
}

export function profileReadme(list: ReadonlyArray<{ file: string; profile: ModbusProfile }>): string {
  const out: string[] = [
    '# Device profiles',
    '',
    'Register maps of the devices ES Manager ships with, one YAML file per device model,',
    'validated by `modbusProfileSchema` (core/common/site.ts). The simulator (drivers/sim) serves',
    'the demo site with them; the Modbus bridge (drivers/modbus) reads real devices with them.',
    '',
    'Engineering value = raw × scale + offset. Addresses are zero-based protocol addresses.',
    '32-bit types occupy two registers; "BE" = high word first, "LE" = low word first.',
    'Channel names that belong to a nature (core/common/natures.ts) keep its unit and sign',
    'convention; the others are extra channels of the device.',
    '',
    'This file is generated from the YAML files; do not edit the tables by hand:',
    '',
    '    node --import tsx drivers/sim/serve/profile-doc.ts > assets/profiles/README.md',
    '',
  ];
  for (const { file, profile: p } of list) {
    out.push(`## ${p.id} (${file})`, '', `${p.vendor}: ${p.model}.${p.description ? ` ${p.description}` : ''}`, '');
    out.push(`Word order ${p.wordOrder}, byte order ${p.byteOrder}, largest block ${p.maxBlock} registers, largest gap bridged ${p.maxGap}.`, '');
    out.push('| address | table | channel | type | scale | unit | access | description |', '|---:|---|---|---|---:|---|---|---|');
    for (const r of p.registers) out.push(registerRow(p, r));
    out.push('');
  }
  return out.join('\n');
}

if (require.main === module) {
  const dir = resolve(__dirname, '..', '..', '..', 'assets', 'profiles');
  process.stdout.write(profileReadme(readProfiles(dir)));
}
