/**
 * Default alarm definitions for a site, derived from its assets and devices (the demo site gets
 * these; the lead writes them into assets/sites/demo/site.yaml, where an administrator edits them):
 *  - battery over-temperature HH (critical, latching, procedure: battery power to 0) and H (high)
 *  - battery state of charge LL (high) and L (low), battery fault state
 *  - import at the PCC above the contracted power, with an on-delay
 *  - communication failure of each device (system alarm `comm.<deviceId>`, com.01 Req3)
 *  - EV charger fault state
 *  - system alarms for a failed forecast, a failed optimisation and a grid contingency
 */
import type { AlarmDefinitionInput } from '../common/alarms';
import type { SiteConfig } from '../common/site';
import { channelPoint } from '../common/natures';

export interface DefaultAlarmOptions {
  /** battery temperature limits, °C */
  batteryTempHighC?: number;
  batteryTempHighHighC?: number;
}

/** Id of the comm-failure system alarm of a device. */
export function commAlarmId(deviceId: string): string {
  return `comm.${deviceId}`;
}

export const SYSTEM_ALARM_IDS = {
  forecastFailed: 'system.forecast-failed',
  optimisationFailed: 'system.optimisation-failed',
  contingency: 'system.grid-contingency',
} as const;

export function defaultAlarmDefinitions(
  site: Pick<SiteConfig, 'site' | 'assets' | 'devices'>,
  o: DefaultAlarmOptions = {},
): AlarmDefinitionInput[] {
  const h = o.batteryTempHighC ?? 40;
  const hh = o.batteryTempHighHighC ?? 45;
  const defs: AlarmDefinitionInput[] = [];
  for (const a of site.assets) {
    if (a.nature === 'Ess') {
      const socMin = a.limits?.socMinPct ?? 10;
      defs.push(
        {
          id: `${a.id}.temperature.HH`,
          type: 'limit',
          point: `${a.id}/Temperature`,
          level: 'HH',
          setpoint: hh,
          deadband: 2,
          onDelayMs: 2_000,
          priority: 'critical',
          class: 'safety',
          latching: true,
          shelvable: false,
          message: `${a.name}: battery over-temperature`,
          consequence: 'Accelerated ageing; above the BMS limit the battery trips and may be damaged (thermal runaway risk).',
          response: 'The automatic procedure sets the battery power to 0 (its outcome is shown with this alarm; if it did not act, a critical alarm says so and you must stop the battery yourself). Check the HVAC of the container and the BMS cell temperatures; call maintenance before restarting.',
          actions: [{ target: channelPoint('Ess', a.id, 'SetActivePower'), value: 0, reason: 'battery over-temperature HH: stop charging and discharging' }],
        },
        {
          id: `${a.id}.temperature.H`,
          type: 'limit',
          point: `${a.id}/Temperature`,
          level: 'H',
          setpoint: h,
          deadband: 2,
          onDelayMs: 10_000,
          priority: 'high',
          class: 'equipment',
          message: `${a.name}: battery temperature high`,
          consequence: `At ${hh} °C the battery is stopped automatically.`,
          response: 'Reduce the battery power; check the container HVAC.',
        },
        {
          id: `${a.id}.soc.LL`,
          type: 'limit',
          point: channelPoint('Ess', a.id, 'Soc'),
          level: 'LL',
          setpoint: Math.max(0, socMin - 5),
          deadband: 2,
          onDelayMs: 5_000,
          priority: 'high',
          class: 'process',
          message: `${a.name}: state of charge very low`,
          consequence: 'The BMS stops discharging; the site loses its backup and peak shaving.',
          response: 'Charge the battery from the grid or PV; check the schedule of the optimiser.',
        },
        {
          id: `${a.id}.soc.L`,
          type: 'limit',
          point: channelPoint('Ess', a.id, 'Soc'),
          level: 'L',
          setpoint: socMin,
          deadband: 2,
          onDelayMs: 30_000,
          priority: 'low',
          class: 'process',
          message: `${a.name}: state of charge low`,
          consequence: 'Little energy left for peak shaving.',
          response: 'Check that a charge period is scheduled.',
        },
        {
          id: `${a.id}.fault`,
          type: 'state',
          point: `${a.id}/State`,
          alarmValues: [3],
          priority: 'high',
          class: 'equipment',
          message: `${a.name}: battery system in fault`,
          consequence: 'The battery does not follow setpoints.',
          response: 'Read the fault code on the BMS/PCS screen; reset or call maintenance.',
          suppressWhen: undefined,
        },
      );
    }
    if (a.nature === 'Meter' && a.id === site.site.pcc.meter) {
      const c = site.site.pcc.contractedPowerKw;
      defs.push({
        id: `${a.id}.import.H`,
        type: 'limit',
        point: channelPoint('Meter', a.id, 'ActivePower'),
        level: 'H',
        setpoint: c,
        deadband: Math.max(1, Math.round(c * 0.02)),
        onDelayMs: 60_000,
        offDelayMs: 10_000,
        priority: 'high',
        class: 'grid',
        message: `Import at the PCC above the contracted power (${c} kW)`,
        consequence: 'Penalty for exceeding the contracted power; the main breaker may trip.',
        response: 'Discharge the battery, reduce EV charging or shed loads.',
      });
    }
    if (a.nature === 'Evse') {
      defs.push({
        id: `${a.id}.fault`,
        type: 'state',
        point: `${a.id}/Status`,
        alarmValues: [2],
        onDelayMs: 5_000,
        priority: 'medium',
        class: 'equipment',
        message: `${a.name}: EV charger faulted`,
        consequence: 'The charger is not available to drivers.',
        response: 'Check the charger; reset it remotely or call the operator of the charger.',
      });
    }
  }
  for (const d of site.devices) {
    defs.push({
      id: commAlarmId(d.id),
      type: 'system',
      asset: d.asset,
      priority: 'high',
      class: 'communication',
      message: `Communication failure: ${d.name}`,
      consequence: `The values of ${d.asset} are not updated (bad quality) and its setpoints cannot be written.`,
      response: 'Check the network link and the device; the driver retries by itself.',
    });
  }
  defs.push(
    {
      id: SYSTEM_ALARM_IDS.forecastFailed,
      type: 'system',
      priority: 'low',
      class: 'forecast',
      message: 'Forecast failed: the last valid forecast is in use',
      response: 'Check the weather service and the forecast log.',
    },
    {
      id: SYSTEM_ALARM_IDS.optimisationFailed,
      type: 'system',
      priority: 'medium',
      class: 'system',
      message: 'Optimisation failed: the previous plan continues',
      response: 'Check the optimiser log; the site falls back to the default controller.',
    },
    {
      id: SYSTEM_ALARM_IDS.contingency,
      type: 'system',
      priority: 'high',
      class: 'grid',
      message: 'Grid contingency detected',
      response: 'See the affected zones on the grid view (energy.08 Req3).',
    },
  );
  // drop undefined keys so the output is clean YAML
  return defs.map((d) => Object.fromEntries(Object.entries(d).filter(([, v]) => v !== undefined)) as AlarmDefinitionInput);
}
