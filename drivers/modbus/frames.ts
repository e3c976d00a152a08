/**
 * Modbus TCP frames in words, for the raw frame view (drivers/common/frames.ts): one line per
 * ADU (MBAP header + PDU), e.g. "FC3 read holding 0+20, unit 1, transaction 12" or
 * "FC3 answer: 40 data octets (20 registers), unit 1, transaction 12". A TCP chunk that holds
 * several ADUs is said ADU by ADU, separated by " | ".
 */

const FUNCTIONS: Record<number, string> = {
  1: 'read coils',
  2: 'read discrete inputs',
  3: 'read holding',
  4: 'read input',
  5: 'write coil',
  6: 'write register',
  15: 'write coils',
  16: 'write registers',
  43: 'device identification',
};

const EXCEPTIONS: Record<number, string> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'server device failure',
  5: 'acknowledge',
  6: 'server device busy',
  10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
};

function u16(b: Uint8Array, i: number): number {
  return ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
}

/** one PDU in words */
export function decodeModbusPdu(dir: 'tx' | 'rx', pdu: Uint8Array): string {
  const fc = pdu[0];
  if (fc === undefined) return 'empty PDU';
  if (fc & 0x80) {
    const code = pdu[1] ?? 0;
    return `FC${fc & 0x7f} exception ${code} (${EXCEPTIONS[code] ?? 'unknown'})`;
  }
  const name = FUNCTIONS[fc] ?? 'unknown function';
  if (dir === 'tx') {
    if (fc >= 1 && fc <= 4) return `FC${fc} ${name} ${u16(pdu, 1)}+${u16(pdu, 3)}`;
    if (fc === 5) return `FC5 ${name} ${u16(pdu, 1)} = ${u16(pdu, 3) === 0xff00 ? 'on' : 'off'}`;
    if (fc === 6) return `FC6 ${name} ${u16(pdu, 1)} = ${u16(pdu, 3)}`;
    if (fc === 15 || fc === 16) return `FC${fc} ${name} ${u16(pdu, 1)}+${u16(pdu, 3)}`;
    return `FC${fc} ${name}`;
  }
  if (fc >= 1 && fc <= 4) {
    const n = pdu[1] ?? 0;
    return `FC${fc} answer: ${n} data octets${fc >= 3 ? ` (${n / 2} registers)` : ''}`;
  }
  if (fc === 5 || fc === 6 || fc === 15 || fc === 16) return `FC${fc} ${name} confirmed at ${u16(pdu, 1)}`;
  return `FC${fc} ${name} answer`;
}

/** a TCP chunk of one or more ADUs in words */
export function decodeModbusTcp(dir: 'tx' | 'rx', b: Uint8Array): string {
  const parts: string[] = [];
  let i = 0;
  while (i < b.length) {
    if (b.length - i < 8) {
      parts.push(`${b.length - i} octets, shorter than an MBAP header and a function code`);
      break;
    }
    const tid = u16(b, i);
    const proto = u16(b, i + 2);
    const len = u16(b, i + 4);
    const unit = b[i + 6] ?? 0;
    if (proto !== 0) {
      parts.push(`protocol id ${proto} is not Modbus (0)`);
      break;
    }
    const end = i + 6 + len;
    const pdu = b.subarray(i + 7, Math.min(end, b.length));
    const cut = end > b.length ? ` (cut: ${end - b.length} octets missing)` : '';
    parts.push(`${decodeModbusPdu(dir, pdu)}, unit ${unit}, transaction ${tid}${cut}`);
    i = end;
  }
  return parts.join(' | ');
}
