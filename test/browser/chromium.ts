/**
 * Debian's Chromium driven by playwright-core (which downloads no browser): started and stopped
 * by each test file, headless, on loopback only. `npm ci` installs it (scripts/system-packages.mjs);
 * when it is missing the tests fail and say how to install it, they never skip.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, type Page, chromium } from 'playwright-core';

/** Where Debian's package puts the browser (`SEGSTREAM_CHROMIUM` overrides). */
export const CHROMIUM = process.env['SEGSTREAM_CHROMIUM'] ?? '/usr/bin/chromium';

/** Screenshots a person can open: test-results/screenshots/ (gitignored). */
export const SCREENSHOTS = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));

/** Starts the browser; throws, with how to install it, when it is not there. */
export async function launchChromium(executablePath = CHROMIUM): Promise<Browser> {
  if (!existsSync(executablePath)) {
    throw new Error(`no Chromium at ${executablePath}: install it with \`node scripts/system-packages.mjs\` as root (npm ci does), or point SEGSTREAM_CHROMIUM at one`);
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  // As root Chromium needs --no-sandbox; the rest keeps it from calling home.
  return chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

/** A page that records console errors, page errors and every request leaving `allowedOrigin`. */
export async function watchedPage(browser: Browser, allowedOrigin: string | null): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    const allowed = url.startsWith('file:') || url.startsWith('data:') || (allowedOrigin !== null && url.startsWith(`${allowedOrigin}/`));
    if (allowed) return route.continue();
    problems.push(`network request to ${url}`);
    return route.abort();
  });
  return { page, problems };
}

/** The little of the DOM and of ECharts the checks read (the tests compile without the DOM's types). */
interface ChartDom {
  readonly dataset: Record<string, string | undefined>;
  querySelectorAll(selector: string): { readonly length: number };
}
interface ChartsApi {
  charts(): Array<{ getDom(): ChartDom; getOption(): { series: Array<{ data?: unknown[] }> } }>;
}

/** Per chart on the page: its name, the SVG shapes drawn and the data points its series hold. */
export function chartsOf(page: Page): Promise<Array<{ name: string; shapes: number; points: number }>> {
  return page.evaluate(() => {
    const api = (globalThis as unknown as { SegstreamReport: ChartsApi }).SegstreamReport;
    return api.charts().map((c) => ({
      name: c.getDom().dataset['chart'] ?? '',
      shapes: c.getDom().querySelectorAll('svg path, svg rect').length,
      points: c.getOption().series.reduce((n, s) => n + (s.data?.length ?? 0), 0),
    }));
  });
}

/** The data of the first series of chart `name` (heatmap cells are `[column, row, value]`). */
export function chartData(page: Page, name: string): Promise<unknown[]> {
  return page.evaluate((n) => {
    const api = (globalThis as unknown as { SegstreamReport: ChartsApi }).SegstreamReport;
    const chart = api.charts().find((c) => c.getDom().dataset['chart'] === n);
    return (chart?.getOption().series[0]?.data ?? []) as unknown[];
  }, name);
}
