export * from './controller';
export * from './merge';
export * from './cycle';
export * from './controllers/peak-shaving';
export * from './controllers/soc-protection';
export * from './controllers/self-consumption';
export * from './controllers/plan-following';
export { controllersFromConfig, type ControllerDeps } from './factory';
export { ControlRuntime, type ControlRuntimeOptions } from './runtime';
