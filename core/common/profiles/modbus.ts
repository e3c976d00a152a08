/**
 * Modbus TCP/RTU: the profile (a register map) and connection schemas, as a
 * `ProtocolDefinition` (core/common/profile.ts). The bridge is drivers/modbus/.
 *
 * It lives in core/common, unlike later protocols' definitions (beside their drivers), because
 * the simulator's command line and the shipped profiles' README generator read Modbus
 * profiles without the composition root; it is registered like any other protocol.
 */
import { z } from 'zod';
import {
  channelNameSchema,
  channelStatesSchema,
  idSchema,
  type ConfigIssue,
  type DeviceConfig,
  type ProfileChannel,
  type ProtocolDefinition,
} from '../profile';

export const modbusTcpConnectionSchema = z
  .object({
    host: z.string().min(1),
    port: z.number().int().min(0).max(65535),
    unitId: z.number().int().min(0).max(255).default(1),
  })
  .strict();

export const modbusRtuConnectionSchema = z
  .object({
    path: z.string().min(1),
    baudRate: z.number().int().positive().default(9600),
    parity: z.enum(['none', 'even', 'odd']).default('none'),
    dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
    stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
    unitId: z.number().int().min(0).max(255).default(1),
  })
  .strict();

export type ModbusTcpConnection = z.infer<typeof modbusTcpConnectionSchema>;
export type ModbusRtuConnection = z.infer<typeof modbusRtuConnectionSchema>;

export type ModbusTcpDevice = DeviceConfig & { protocol: 'modbus-tcp'; connection: ModbusTcpConnection };
export type ModbusRtuDevice = DeviceConfig & { protocol: 'modbus-rtu'; connection: ModbusRtuConnection };
export type ModbusDevice = ModbusTcpDevice | ModbusRtuDevice;

/** A Modbus TCP device of a loaded site (its connection was validated by the loader). */
export function isModbusTcpDevice(d: DeviceConfig): d is ModbusTcpDevice {
  return d.protocol === 'modbus-tcp';
}

export function isModbusRtuDevice(d: DeviceConfig): d is ModbusRtuDevice {
  return d.protocol === 'modbus-rtu';
}

export function isModbusDevice(d: DeviceConfig): d is ModbusDevice {
  return isModbusTcpDevice(d) || isModbusRtuDevice(d);
}

export const registerTypeSchema = z.enum(['int16', 'uint16', 'int32', 'uint32', 'float32', 'bool']);
export type RegisterType = z.infer<typeof registerTypeSchema>;

export const modbusRegisterSchema = z
  .object({
    channel: channelNameSchema,
    /** holding (FC3/6/16), input (FC4), coil (FC1/5), discrete (FC2) */
    table: z.enum(['holding', 'input', 'coil', 'discrete']),
    /** zero-based protocol address */
    address: z.number().int().min(0).max(65535),
    type: registerTypeSchema,
    /** engineering value = raw * scale + offset */
    scale: z.number().refine((v) => v !== 0, 'scale must not be 0').default(1),
    offset: z.number().default(0),
    unit: z.string().default(''),
    access: z.enum(['ro', 'rw']).default('ro'),
    /** word order of 32-bit values: big-endian (high word first) or little-endian */
    wordOrder: z.enum(['BE', 'LE']).optional(),
    /** byte order inside each 16-bit register */
    byteOrder: z.enum(['BE', 'LE']).optional(),
    description: z.string().optional(),
    /** enumerated values (code → label): commands outside them are refused */
    states: channelStatesSchema.optional(),
    /** another channel that confirms a command to this one */
    feedback: channelNameSchema.optional(),
  })
  .strict();

export const modbusProfileSchema = z
  .object({
    id: idSchema,
    vendor: z.string(),
    model: z.string(),
    protocol: z.literal('modbus'),
    description: z.string().optional(),
    wordOrder: z.enum(['BE', 'LE']).default('BE'),
    byteOrder: z.enum(['BE', 'LE']).default('BE'),
    /** largest block a read may cover, in registers (the device's limit; 125 by the spec) */
    maxBlock: z.number().int().min(1).max(125).default(125),
    /** largest gap of unused registers a block read may bridge */
    maxGap: z.number().int().min(0).max(125).default(8),
    registers: z.array(modbusRegisterSchema).min(1),
  })
  .strict();

export type ModbusProfile = z.infer<typeof modbusProfileSchema>;
export type ModbusRegister = z.infer<typeof modbusRegisterSchema>;

export function isModbusProfile(p: { protocol: string }): p is ModbusProfile {
  return p.protocol === 'modbus';
}

function modbusChannel(r: ModbusRegister): ProfileChannel {
  const c: ProfileChannel = { channel: r.channel, type: r.type === 'bool' ? 'boolean' : 'number', unit: r.unit, access: r.access };
  if (r.description !== undefined) c.description = r.description;
  if (r.states !== undefined) c.states = r.states;
  if (r.feedback !== undefined) c.feedback = r.feedback;
  return c;
}

function checkModbusProfile(p: ModbusProfile): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  p.registers.forEach((r, i) => {
    const bitTable = r.table === 'coil' || r.table === 'discrete';
    if (bitTable !== (r.type === 'bool'))
      issues.push({ path: `registers[${i}].type`, message: `table "${r.table}" needs type ${bitTable ? '"bool"' : 'a register type, not "bool"'}` });
    if ((r.table === 'input' || r.table === 'discrete') && r.access === 'rw')
      issues.push({ path: `registers[${i}].access`, message: `table "${r.table}" is read-only in Modbus` });
    if (r.states !== undefined && r.type === 'float32')
      issues.push({ path: `registers[${i}].states`, message: 'enumerated states need an integer register type, not float32' });
  });
  return issues;
}

export const modbusProtocol: ProtocolDefinition<ModbusProfile> = {
  profileProtocol: 'modbus',
  connections: { 'modbus-tcp': modbusTcpConnectionSchema, 'modbus-rtu': modbusRtuConnectionSchema },
  profileSchema: modbusProfileSchema,
  channels: (p) => p.registers.map(modbusChannel),
  check: checkModbusProfile,
  channelPath: (i) => `registers[${i}]`,
};
