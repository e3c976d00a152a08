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

/** what a view reads through: its SiteAssets, whose source a control cycle moves to each new snapshot */
interface Source {
  readonly src: PointSource;
  readonly states: AssetStates;
}

abstract class AssetView<N extends NatureName> {
  /** point ids by channel, built on first use (a view lives as long as its SiteAssets) */
  private readonly ids = new Map<string, string>();

  constructor(
    private readonly from: Source,
    readonly config: AssetConfig,
    private readonly nature: N,
  ) {}

  protected get src(): PointSource {
    return this.from.src;
  }

  get id(): string {
    return this.config.id;
  }

  get state(): AssetState {
    return this.from.states(this.config.id);
  }

  /** the asset may be controlled: in service (not in maintenance, not out of service) */
  get inService(): boolean {
    return this.state === 'in-service';
  }

  /** the point id of one of the nature's channels */
  point(channel: ChannelOf<N>): string {
    let id = this.ids.get(channel);
    if (id === undefined) this.ids.set(channel, (id = channelPoint(this.nature, this.config.id, channel)));
    return id;
  }

  /** whether a device serves the channel on this site */
  serves(channel: ChannelOf<N>): boolean {
    return this.from.src.get(this.point(channel)) !== undefined;
  }

  protected num(channel: ChannelOf<N>): Sensed<number> {
    return sensedNumber(this.from.src, this.point(channel));
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
 * The site's assets as typed views over one point source. A view is built on first use and
 * kept: a control cycle keeps one SiteAssets and moves it to each pass's snapshot (`use`), so
 * a pass allocates no views.
 */
export class SiteAssets implements Source {
  private readonly byId: ReadonlyMap<string, AssetConfig>;
  private readonly views = new Map<string, AssetView<NatureName>>();
  private source: PointSource;

  constructor(
    readonly site: SiteConfig,
    src: PointSource,
    readonly states: AssetStates = allInService,
  ) {
    let byId = INDEX.get(site);
    if (!byId) INDEX.set(site, (byId = new Map(site.assets.map((a) => [a.id, a]))));
    this.byId = byId;
    this.source = src;
  }

  /** where the views read now */
  get src(): PointSource {
    return this.source;
  }

  /** every view reads from `src` from now on (a cycle's next snapshot); returns this */
  use(src: PointSource): this {
    this.source = src;
    return this;
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
    return this.view(id, 'Meter', MeterView);
  }

  ess(id: string): EssView {
    return this.view(id, 'Ess', EssView);
  }

  pv(id: string): PvView {
    return this.view(id, 'Pv', PvView);
  }

  load(id: string): LoadView {
    return this.view(id, 'Load', LoadView);
  }

  evse(id: string): EvseView {
    return this.view(id, 'Evse', EvseView);
  }

  /** ids of every asset of a nature, in site-file order */
  ids(nature: NatureName): string[] {
    return this.site.assets.filter((a) => a.nature === nature).map((a) => a.id);
  }

  private view<N extends NatureName, V extends AssetView<N>>(id: string, nature: N, Kind: new (from: Source, config: AssetConfig, nature: N) => V): V {
    const v = this.views.get(id);
    if (v instanceof Kind) return v;
    const made = new Kind(this, this.config(id, nature), nature);
    this.views.set(id, made as unknown as AssetView<NatureName>);
    return made;
  }

  private config(id: string, nature: NatureName): AssetConfig {
    const a = this.byId.get(id);
    if (!a) throw new Error(`no asset "${id}" on site "${this.site.site.id}"`);
    if (a.nature !== nature) throw new Error(`asset "${id}" is a ${a.nature}, not a ${nature}`);
    return a;
  }
}
