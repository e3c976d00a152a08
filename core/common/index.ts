export * from './quality';
export * from './point';
export * from './natures';
export * from './site';
export * from './api/contract';
export * from './api/wire';
export * from './bridge';
