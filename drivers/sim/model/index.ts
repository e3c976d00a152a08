/** Plant physics of the simulator: pure, deterministic, imports nothing outside this folder. */
export * from './battery';
export * from './ev';
export * from './load';
export * from './localtime';
export * from './meter';
export * from './plant';
export * from './pv';
export * from './random';
export * from './sun';
