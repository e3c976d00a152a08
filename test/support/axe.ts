/** axe-core run inside the page (the real library, injected from node_modules). */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeFinding {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/** Violations of impact serious or critical on the page as it is now (WCAG 2.x A/AA rules and best practices). */
export async function seriousViolations(page: Page): Promise<AxeFinding[]> {
  if (!(await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe === 'object'))) await page.addScriptTag({ content: AXE_SOURCE });
  const out = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[]; html: string; failureSummary?: string }[] }[] }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact ?? 'unknown', help: v.help, targets: v.nodes.slice(0, 6).map((n) => `${JSON.stringify(n.target)} ${n.html.slice(0, 120)} (${(n.failureSummary ?? '').replace(/\s+/g, ' ').slice(0, 200)})`) }));
  });
  return out.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** One line per violation, for an assertion message. */
export function describeFindings(where: string, f: AxeFinding[]): string {
  return f.map((v) => `${where}: ${v.id} (${v.impact}) ${v.help} at ${v.targets.join(' ')}`).join('\n');
}
