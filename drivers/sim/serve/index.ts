/** The plant simulator served over Modbus TCP (see ../README.md). */
export { startSimulator, simulatedDevices, type SimulatorHandle, type SimWrite, type SimulatorOptions, type SimSettable } from './simulator';
export { plantConfigFromSite, clampToRegister, PV_DC_AC_RATIO } from './mapping';
