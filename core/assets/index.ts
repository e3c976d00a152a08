export * from './sensed';
export * from './views';
