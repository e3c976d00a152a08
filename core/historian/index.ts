export { Historian, type Sample, type HistorianOptions, type HistorianStats } from './historian';
export { resolvePolicy, createPolicyState, globMatch, type PolicyState, type NatureOf } from './policy';
export { lttb, minMaxPerPixel } from './downsample';
export { ROLLUP_LEVELS } from './rollup';
