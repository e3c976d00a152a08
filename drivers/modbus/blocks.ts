/**
 * Block planner: groups a profile's registers into as few block reads as the device allows.
 *
 * Per table, registers are sorted by address and coalesced greedily: the next register joins
 * the current block when the unused gap before it is at most `maxGap` addresses and the block
 * then still spans at most `maxBlock` registers (2000 bits for coils / discrete inputs, the
 * Modbus limit of FC1/FC2). Registers that share addresses (two channels on one register)
 * land in the same block. Pure: no I/O.
 */
import type { ModbusProfile, ModbusRegister } from '../../core/common/site';
import { registerWords } from './codec';

export type ModbusTable = ModbusRegister['table'];

/** the Modbus limit of one FC1/FC2 read, in bits */
export const MAX_BIT_BLOCK = 2000;

/** one read request: `count` registers (or bits) of `table` from `start` */
export interface ReadBlock {
  table: ModbusTable;
  start: number;
  count: number;
  /** indices into profile.registers of the registers this block serves, by address */
  registers: number[];
}

/** where one register's words (or bit) lie in the result of its block */
export interface RegisterSlice {
  /** index into BlockPlan.blocks */
  block: number;
  /** offset of the register's first word (or bit) in the block's data */
  offset: number;
  /** words (registers) or 1 for a bit */
  length: number;
}

export interface BlockPlan {
  blocks: ReadBlock[];
  /** aligned with profile.registers: slices[i] locates registers[i] */
  slices: RegisterSlice[];
}

export type PlanInput = Pick<ModbusProfile, 'registers' | 'maxBlock' | 'maxGap'> & { id?: string };

const TABLE_ORDER: readonly ModbusTable[] = ['holding', 'input', 'coil', 'discrete'];

export function isBitTable(table: ModbusTable): boolean {
  return table === 'coil' || table === 'discrete';
}

/** addresses a register occupies: 1 for a coil/discrete bit, else the words of its type */
export function registerSpan(reg: ModbusRegister): number {
  return isBitTable(reg.table) ? 1 : registerWords(reg.type);
}

/** the block limit of a table: profile.maxBlock registers, or 2000 bits */
export function blockLimit(table: ModbusTable, maxBlock: number): number {
  return isBitTable(table) ? MAX_BIT_BLOCK : maxBlock;
}

/**
 * Plans the block reads of a profile. Throws when a register cannot be read at all
 * (it ends past address 65535, or is wider than maxBlock).
 */
export function planBlocks(profile: PlanInput): BlockPlan {
  const blocks: ReadBlock[] = [];
  const slices: RegisterSlice[] = new Array<RegisterSlice>(profile.registers.length);
  const maxGap = Math.max(0, profile.maxGap);
  for (const table of TABLE_ORDER) {
    const limit = blockLimit(table, profile.maxBlock);
    const idx = profile.registers
      .map((r, i) => ({ r, i }))
      .filter((x) => x.r.table === table)
      .sort((a, b) => a.r.address - b.r.address || registerSpan(b.r) - registerSpan(a.r) || a.i - b.i);
    let cur: ReadBlock | undefined;
    for (const { r, i } of idx) {
      const span = registerSpan(r);
      const end = r.address + span;
      if (end > 0x10000)
        throw new Error(`channel ${r.channel}: ${r.type} at ${table} address ${r.address} ends past address 65535`);
      if (span > limit)
        throw new Error(`channel ${r.channel}: ${r.type} needs ${span} registers, more than maxBlock ${limit}`);
      if (cur) {
        const curEnd = cur.start + cur.count;
        const gap = r.address - curEnd;
        const newEnd = Math.max(curEnd, end);
        if (gap <= maxGap && newEnd - cur.start <= limit) {
          cur.count = newEnd - cur.start;
          cur.registers.push(i);
          slices[i] = { block: blocks.length - 1, offset: r.address - cur.start, length: span };
          continue;
        }
      }
      cur = { table, start: r.address, count: span, registers: [i] };
      blocks.push(cur);
      slices[i] = { block: blocks.length - 1, offset: 0, length: span };
    }
  }
  return { blocks, slices };
}
