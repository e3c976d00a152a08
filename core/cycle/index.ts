export * from './controller';
export * from './merge';
export * from './cycle';
export * from './controllers/peak-shaving';
export * from './controllers/soc-protection';
export { controllersFromConfig } from './factory';
export { ControlRuntime, type ControlRuntimeOptions } from './runtime';
