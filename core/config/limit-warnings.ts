/**
 * Warnings (not errors) where a literal alarm limit disagrees with a site parameter it obviously
 * mirrors: the PCC import high alarm (level H on the PCC meter's ActivePower) above the contracted
 * power, a battery's SoC low alarm (level L on its Soc) below its reserve (limits.socMinPct), its
 * SoC high alarm (level H) above limits.socMaxPct. A limit written `setpoint: { ref: … }` follows
 * the parameter and is never warned about; HH/LL levels are deeper alarms and left alone.
 */
import type { ConfigIssue, SiteConfig } from '../common/site';

export function checkAlarmLimitsAgainstSite(site: SiteConfig): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const pccPoint = `${site.site.pcc.meter}/ActivePower`;
  const contracted = site.site.pcc.contractedPowerKw;
  const ess = new Map(site.assets.filter((a) => a.nature === 'Ess').map((a) => [`${a.id}/Soc`, a]));
  (site.alarms?.definitions ?? []).forEach((d, i) => {
    if (d.type !== 'limit' || d.setpointRef !== undefined) return;
    const path = `alarms.definitions[${i}].setpoint`;
    if (d.point === pccPoint && d.level === 'H' && d.setpoint > contracted)
      out.push({
        path,
        message: `alarm "${d.id}" on the PCC import alarms at ${d.setpoint} kW, above the contracted power of ${contracted} kW (site.pcc.contractedPowerKw); write setpoint: { ref: contractedPowerKw } to follow it`,
      });
    const a = ess.get(d.point);
    const min = a?.limits?.socMinPct;
    const max = a?.limits?.socMaxPct;
    if (a && d.level === 'L' && min !== undefined && d.setpoint < min)
      out.push({ path, message: `alarm "${d.id}" on ${d.point} alarms at ${d.setpoint} %, below the battery's SoC reserve of ${min} % (assets[${a.id}].limits.socMinPct); write setpoint: { ref: socMinPct } to follow it` });
    if (a && d.level === 'H' && max !== undefined && d.setpoint > max)
      out.push({ path, message: `alarm "${d.id}" on ${d.point} alarms at ${d.setpoint} %, above the battery's SoC maximum of ${max} % (assets[${a.id}].limits.socMaxPct); write setpoint: { ref: socMaxPct } to follow it` });
  });
  return out;
}
