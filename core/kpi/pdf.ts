/**
 * Printing the report to PDF behind one interface: headless Chromium in browser mode (this
 * file), Electron's webContents.printToPDF in the desktop shell (electron/pdf.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface PdfPrinter {
  /** the PDF of a self-contained HTML page (A4) */
  print(html: string): Promise<Buffer>;
}

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** Headless Chromium's --print-to-pdf, in a throw-away profile; refuses after `timeoutMs`. */
export function chromiumPrinter(opts: { executable?: string; timeoutMs?: number } = {}): PdfPrinter {
  return {
    async print(html: string): Promise<Buffer> {
      const exe = opts.executable ?? process.env.ESM_CHROMIUM ?? CANDIDATES.find((c) => existsSync(c));
      if (!exe) throw new Error('no Chromium found to print the PDF (install chromium or set ESM_CHROMIUM)');
      const dir = mkdtempSync(join(tmpdir(), 'esm-pdf-'));
      try {
        const page = join(dir, 'report.html');
        const out = join(dir, 'report.pdf');
        writeFileSync(page, html);
        const args = ['--headless', '--disable-gpu', '--no-sandbox', '--no-first-run', `--user-data-dir=${join(dir, 'profile')}`, '--no-pdf-header-footer', `--print-to-pdf=${out}`, pathToFileURL(page).href];
        await new Promise<void>((resolve, reject) => {
          const child = spawn(exe, args, { stdio: ['ignore', 'ignore', 'pipe'] });
          let err = '';
          child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
          const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
          child.on('error', (e) => {
            clearTimeout(timer);
            reject(e);
          });
          child.on('exit', (code, signal) => {
            clearTimeout(timer);
            if (existsSync(out)) resolve();
            else reject(new Error(`Chromium did not print the PDF (${signal ? `signal ${signal}` : `exit ${code}`}): ${err.trim().split('\n').slice(-2).join(' ')}`));
          });
        });
        return readFileSync(out);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
