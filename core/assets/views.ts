/**
 * Typed views of the site's assets over a point source (the CVT, or a control cycle's frozen
 * snapshot). A view knows its nature's channels (core/common/natures.ts) and the asset's
 * configured limits, so controllers say `ess.soc()` and `pcc.activePower()`, never
 * `'ess1/Soc'`. Every reading is `Sensed`: good and finite, or unknown with the reason.
 */
import { channelPoint, type ChannelOf, type NatureName } from '../common/natures';
import type { AssetState } from '../common/asset-state';
import type { AssetConfig, SiteConfig } from '../common/site';
import { sensedNumber, unknown, type PointSource, type Sensed } from './sensed';

/** The operational state of an asset by id (maintenance lockout, out of service). */
export type AssetStates = (assetId: string) => AssetState;

export const allInService: AssetStates = () => 'in-service';

/** asset index per site object: a cycle builds a SiteAssets every second over the same site */
const INDEX = new WeakMap<SiteConfig, ReadonlyMap<string, AssetConfig>>();

abstract class AssetView<N extends NatureName> {
  constructor(
    protected readonly src: PointSource,
    readonly config: AssetConfig,
    private readonly nature: N,
    private readonly states: AssetStates,
  ) {}

  get id(): string {
    return this.config.id;
  }

  get state(): AssetState {
    return this.states(this.config.id);
  }

  /** the asset may be controlled: in service (not in maintenance, not out of service) */
  get inService(): boolean {
    return this.state === 'in-service';
  }

  /** the point id of one of the nature's channels */
  point(channel: ChannelOf<N>): string {
    return channelPoint(this.nature, this.config.id, channel);
  }

  /** whether a device serves the channel on this site */
  serves(channel: ChannelOf<N>): boolean {
    return this.src.get(this.point(channel)) !== undefined;
  }

  protected num(channel: ChannelOf<N>): Sensed<number> {
    return sensedNumber(this.src, this.point(channel));
  }
}

/** Energy storage. Power positive = discharge. */
export class EssView extends AssetView<'Ess'> {
  /** state of charge, % */
  soc(): Sensed<number> {
    return this.num('Soc');
  }

  /** AC active power, kW, positive = discharge */
  activePower(): Sensed<number> {
    return this.num('ActivePower');
  }

  /** the last setpoint as the device reports it, kW, positive = discharge */
  setpoint(): Sensed<number> {
    return this.num('SetActivePower');
  }

  /**
   * The charge power allowed now, kW (a magnitude): the smaller of the configured limit
   * (limits.maxChargeKw, else the rating) and what the BMS allows now (MaxChargePower) when a
   * device serves it. A BMS limit that is served but not good makes the whole answer unknown.
   */
  allowedChargeKw(): Sensed<number> {
    return this.allowed('MaxChargePower', this.config.limits?.maxChargeKw ?? this.config.rating?.powerKw);
  }

  /** The discharge power allowed now, kW (a magnitude); as allowedChargeKw. */
  allowedDischargeKw(): Sensed<number> {
    return this.allowed('MaxDischargePower', this.config.limits?.maxDischargeKw ?? this.config.rating?.powerKw);
  }

  /** the configured SoC window, % (0..100 when none is configured) */
  socWindow(): { minPct: number; maxPct: number } {
    return { minPct: this.config.limits?.socMinPct ?? 0, maxPct: this.config.limits?.socMaxPct ?? 100 };
  }

  private allowed(bms: 'MaxChargePower' | 'MaxDischargePower', configured: number | undefined): Sensed<number> {
    if (!this.serves(bms)) return configured === undefined ? unknown(`${this.id} has no ${bms} point and no configured limit or rating`) : { known: true, value: configured, ts: 0 };
    const live = this.num(bms);
    if (!live.known) return live;
    const v = Math.max(0, live.value);
    return { known: true, value: configured === undefined ? v : Math.min(v, configured), ts: live.ts };
  }
}

/** An energy meter. Power positive = import (into the site). */
export class MeterView extends AssetView<'Meter'> {
  /** active power, kW, positive = import from the grid */
  activePower(): Sensed<number> {
    return this.num('ActivePower');
  }

  /** grid frequency, Hz (P(f) response) */
  frequency(): Sensed<number> {
    return this.num('Frequency');
  }
}

/** Production: PV (positive = production). */
export class PvView extends AssetView<'Pv'> {
  activePower(): Sensed<number> {
    return this.num('ActivePower');
  }

  /** the curtailment limit as the inverter reports it, kW */
  powerLimit(): Sensed<number> {
    return this.num('ActivePowerLimit');
  }
}

/** Consumption: a load (positive = consumption). */
export class LoadView extends AssetView<'Load'> {
  activePower(): Sensed<number> {
    return this.num('ActivePower');
  }
}

/** An EV charger (positive = charging the vehicle). */
export class EvseView extends AssetView<'Evse'> {
  activePower(): Sensed<number> {
    return this.num('ActivePower');
  }
}

/**
 * The site's assets as typed views over one point source. Built once per control cycle over
 * its snapshot (cheap: views hold no state of their own).
 */
export class SiteAssets {
  private readonly byId: ReadonlyMap<string, AssetConfig>;

  constructor(
    readonly site: SiteConfig,
    private readonly src: PointSource,
    private readonly states: AssetStates = allInService,
  ) {
    let byId = INDEX.get(site);
    if (!byId) INDEX.set(site, (byId = new Map(site.assets.map((a) => [a.id, a]))));
    this.byId = byId;
  }

  /** contracted power at the PCC, kW */
  get contractedPowerKw(): number {
    return this.site.site.pcc.contractedPowerKw;
  }

  /** the meter at the point of common coupling (positive = import) */
  pcc(): MeterView {
    return this.meter(this.site.site.pcc.meter);
  }

  meter(id: string): MeterView {
    return new MeterView(this.src, this.config(id, 'Meter'), 'Meter', this.states);
  }

  ess(id: string): EssView {
    return new EssView(this.src, this.config(id, 'Ess'), 'Ess', this.states);
  }

  pv(id: string): PvView {
    return new PvView(this.src, this.config(id, 'Pv'), 'Pv', this.states);
  }

  load(id: string): LoadView {
    return new LoadView(this.src, this.config(id, 'Load'), 'Load', this.states);
  }

  evse(id: string): EvseView {
    return new EvseView(this.src, this.config(id, 'Evse'), 'Evse', this.states);
  }

  /** ids of every asset of a nature, in site-file order */
  ids(nature: NatureName): string[] {
    return this.site.assets.filter((a) => a.nature === nature).map((a) => a.id);
  }

  private config(id: string, nature: NatureName): AssetConfig {
    const a = this.byId.get(id);
    if (!a) throw new Error(`no asset "${id}" on site "${this.site.site.id}"`);
    if (a.nature !== nature) throw new Error(`asset "${id}" is a ${a.nature}, not a ${nature}`);
    return a;
  }
}
