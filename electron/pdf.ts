/**
 * The KPI report printed with Electron's own Chromium (webContents.printToPDF) in a hidden,
 * script-less window: the desktop shell's implementation of core/kpi/pdf.ts's PdfPrinter
 * (browser mode uses headless Chromium). The report page is self-contained (inline SVG, no script).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PdfPrinter } from '../core/kpi/pdf';

export interface PrintableWindow {
  webContents: { printToPDF(o: Record<string, unknown>): Promise<Buffer> };
  loadFile(path: string): Promise<void>;
  destroy(): void;
}

export function electronPrinter(makeWindow: () => PrintableWindow): PdfPrinter {
  return {
    async print(html: string): Promise<Buffer> {
      const dir = mkdtempSync(join(tmpdir(), 'esm-pdf-'));
      const win = makeWindow();
      try {
        const page = join(dir, 'report.html');
        writeFileSync(page, html);
        await win.loadFile(page);
        return await win.webContents.printToPDF({ pageSize: 'A4', printBackground: true });
      } finally {
        win.destroy();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
