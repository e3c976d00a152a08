/**
 * node-opcua, loaded on first use: a site without OPC UA devices never loads it (about 2 s of
 * CPU and tens of MB at start). The bridge, the factory and the certificate store call
 * `opcua()` where they need a value of the library; everything else imports its types only.
 */
import type * as NodeOpcua from 'node-opcua';

export type NodeOpcuaModule = typeof NodeOpcua;

let lib: NodeOpcuaModule | undefined;

export function opcua(): NodeOpcuaModule {
  if (!lib) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    lib = require('node-opcua') as NodeOpcuaModule;
    // node-opcua logs every reconnection attempt as a warning: the device status says it instead
    if (!process.env.ESM_OPCUA_DEBUG) lib.setLogLevel(lib.LogLevel.Error);
  }
  return lib;
}

/** whether node-opcua was loaded in this process (by this module) */
export function opcuaLoaded(): boolean {
  return lib !== undefined;
}
