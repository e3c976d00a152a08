/**
 * Wire messages shared by both transports. JSON over WebSocket in browser mode; structured
 * clone over Electron IPC. The host validates every inbound message with `parseClientMessage`.
 */
import { z } from 'zod';
import type { ApiErrorBody, EventName } from './contract';

export const clientMessageSchema = z.discriminatedUnion('t', [
  z
    .object({
      t: z.literal('call'),
      id: z.number().int().nonnegative(),
      method: z.string().min(1).max(100),
      session: z.string().max(200),
      arg: z.unknown(),
    })
    .strict(),
  z
    .object({
      t: z.literal('listen'),
      id: z.number().int().nonnegative(),
      event: z.string().min(1).max(100),
      session: z.string().max(200),
    })
    .strict(),
  z.object({ t: z.literal('unlisten'), id: z.number().int().nonnegative(), event: z.string().min(1).max(100) }).strict(),
]);

export type ClientMessage = z.infer<typeof clientMessageSchema>;

export type ServerMessage =
  | { t: 'result'; id: number; ok: true; result: unknown }
  | { t: 'result'; id: number; ok: false; error: ApiErrorBody }
  | { t: 'event'; event: EventName; data: unknown }
  | { t: 'hello'; session: string; protocol: number };

export const WIRE_PROTOCOL_VERSION = 1;
