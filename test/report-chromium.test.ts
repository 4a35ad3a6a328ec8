// The HTML report opened in a real browser (Debian's chromium, driven by puppeteer-core, which never
// downloads one): the charts must render (visible, non-blank, the expected number of marks), with no
// console errors and no network access. Skips with the reason when chromium is not installed.

import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReportHtml } from '../src/report/report-html.js';
import {
  syntheticPruneRun,
  syntheticSensitivityRun,
  syntheticTrainRun,
} from '../src/report/test-support/report-fixtures.js';
import { tempDir } from './helpers/tmp.js';

const CHROMIUM = [process.env.PARE_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p): p is string => p !== undefined && existsSync(p),
);
const reason = CHROMIUM ? '' : ' (skipped: no chromium; apt-get install chromium, or set PARE_CHROMIUM)';

/** What the screenshot of one element looks like: how much is not background, and how blue. */
async function inkOf(png: Uint8Array): Promise<{ ink: number; blue: number }> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let ink = 0;
  let blue = 0;
  for (let i = 0; i < data.length; i += info.channels) {
    const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
    if (r < 235 || g < 235 || b < 235) ink++;
    // The report's "after" blue, #2563eb, give or take antialiasing.
    if (Math.abs(r - 0x25) < 40 && Math.abs(g - 0x63) < 40 && Math.abs(b - 0xeb) < 40) blue++;
  }
  const pixels = data.length / info.channels;
  return { ink: ink / pixels, blue: blue / pixels };
}

describe.skipIf(!CHROMIUM)(`HTML report in headless chromium${reason}`, () => {
  const dir = tempDir();
  const file = join(dir, 'report.html');
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    const runs = [
      syntheticPruneRun(20, 0.87, 'pruned.onnx'),
      syntheticPruneRun(20, 0.8, 'harder.onnx'),
      syntheticTrainRun(6),
      syntheticSensitivityRun(5),
    ];
    writeFileSync(file, await renderReportHtml(runs, { subtitle: 'browser test' }));
    browser = await puppeteer.launch({
      executablePath: CHROMIUM!,
      // Root in CI containers has no user namespace for chromium's sandbox.
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
      // Starting chromium beside the suite's other workers on 2 cores once took over puppeteer's
      // default 30 s (CI, 2026-12-03); the checks below are unchanged.
      timeout: 120_000,
    });
    page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warn') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${(e as Error).message}`));
    await page.setRequestInterception(true);
    const self = pathToFileURL(file).href;
    page.on('request', (r) => {
      if (r.url() !== self) problems.push(`request: ${r.url()}`);
      void (r.url() === self ? r.continue() : r.abort());
    });
    await page.setViewport({ width: 1200, height: 900 });
    await page.goto(self, { waitUntil: 'load' });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('renders with no console errors and no network access', () => {
    expect(problems).toEqual([]);
  });

  it('draws every chart with the expected number of marks', async () => {
    const count = (selector: string) => page.$$eval(selector, (els) => els.length);
    const fig = (name: string, run: number | 'all') => `figure[data-chart="${name}"][data-run="${run}"]`;
    // `.role-mark`: data marks, not legend symbols. Layers: 20 layers × (widths, MACs) × (before, after) bars in each prune run.
    for (const run of [0, 1])
      expect(await count(`${fig('layers', run)} g.mark-rect.role-mark path`)).toBe(80);
    // Training: 6 epochs × (loss, accuracy) × (train, test) points and the starting accuracy, 4 lines.
    expect(await count(`${fig('training', 2)} g.mark-symbol.role-mark path`)).toBe(25);
    expect(await count(`${fig('training', 2)} g.mark-line.role-mark path`)).toBe(4);
    // Sensitivity: 5 units × 4 ratios.
    expect(await count(`${fig('sensitivity', 3)} g.mark-symbol.role-mark path`)).toBe(20);
    // Accuracy against MACs (3 results + the original) and latency (2 prune results + the original).
    expect(await count(`${fig('tradeoff', 'all')} g.mark-symbol.role-mark path`)).toBe(7);
  });

  it('each chart is laid out on the page, fits it, and is not blank', async () => {
    const figures = await page.$$('figure.chart');
    expect(figures.length).toBe(5);
    for (const f of figures) {
      const name = await f.evaluate(
        (el) => `${el.getAttribute('data-chart')}/${el.getAttribute('data-run')}`,
      );
      const box = await f.boundingBox();
      expect(box, name).not.toBeNull();
      expect(box!.width, name).toBeGreaterThan(300);
      expect(box!.width, name).toBeLessThanOrEqual(1100);
      expect(box!.height, name).toBeGreaterThan(150);
      const { ink, blue } = await inkOf(await f.screenshot({ type: 'png' }));
      expect(ink, `${name}: share of non-background pixels`).toBeGreaterThan(0.03);
      // Bar charts are largely blue; line and dot charts have some blue lines or dots.
      const minBlue = name.startsWith('layers') ? 0.05 : 1e-4;
      expect(blue, `${name}: share of the report's blue`).toBeGreaterThan(minBlue);
    }
    // Nothing wider than the window (no horizontal scrolling).
    const html = await page.$('html');
    expect(await html!.evaluate((el) => el.scrollWidth)).toBeLessThanOrEqual(1200);
  });

  it('the whole page screenshot is not blank', async () => {
    const shot = await page.screenshot({ type: 'png', fullPage: true });
    const { ink, blue } = await inkOf(shot);
    expect(ink).toBeGreaterThan(0.1);
    expect(blue).toBeGreaterThan(0.01);
  });
});
