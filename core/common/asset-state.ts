/**
 * The operational state of an asset, set by people (FLEXERGY asset.03): the one type shared
 * by the alarm engine (suppression by design), the command pipeline (maintenance lockout),
 * the control cycle (an asset not in service drops out of the controllers) and the API.
 */
export const ASSET_STATES = ['in-service', 'maintenance', 'out-of-service'] as const;

export type AssetState = (typeof ASSET_STATES)[number];
