/**
 * The dashboard in headless Chromium during a real run: the run is listed, its stage bars move, the
 * sample viewer shows the image with boxes and masks, the depth map, the top-down view and the QA.
 * Screenshots: dashboard.png (the viewer open during the run) and dashboard-run.png (the run), in
 * test-output/, or in docs/ (the README's pictures) with UPDATE_DOCS_SCREENSHOTS=1.
 *
 * The run's progress is held, not timed: the service starts with workers for the stages up to depth
 * only; the test starts lift and synthesize workers once the page shows the run (so the lift bar moves
 * while the page watches), and export workers only after the screenshot (so the run is still in
 * progress in it).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { RunState } from '@spatialforge/core';
import { startHarness, type Harness } from './service-harness.js';

const CHROMIUM = '/usr/bin/chromium';
const SCENES = 24;
const SCREENSHOT_DIR = new URL(process.env.UPDATE_DOCS_SCREENSHOTS === '1' ? '../docs/' : '../test-output/', import.meta.url);
mkdirSync(SCREENSHOT_DIR, { recursive: true });
const SCREENSHOT = new URL('dashboard.png', SCREENSHOT_DIR);
const OVERVIEW_SCREENSHOT = new URL('dashboard-run.png', SCREENSHOT_DIR);
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (Debian package chromium); dashboard not checked in a browser`;

let h: Harness;
let browser: BrowserContext;
let profile: string;
let page: Page;
const pageErrors: string[] = [];

before(async () => {
  if (skip) return;
  h = await startHarness({ scenes: SCENES, workerStages: ['ingest', 'filter', 'detect', 'segment', 'depth'], workerConcurrency: 1 });
  profile = await mkdtemp(join(tmpdir(), 'sf-chromium-'));
  const { chromium } = await import('playwright-core');
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1440, height: 960 },
  });
  page = await browser.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (message) => { if (message.type() === 'error') pageErrors.push(message.text()); });
}, { timeout: 120_000 });

after(async () => {
  await browser?.close();
  await h?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

/** Reads a number the page shows, as data attributes on an element. */
async function shown(selector: string, attribute: string): Promise<number> {
  return Number(await page.locator(selector).first().getAttribute(attribute));
}

test('a person watching a run sees it progress and can open a sample', { skip, timeout: 300_000 }, async () => {
  const { token } = await h.token('lab', ['runs', 'admin']);
  const run: RunState = await h.submit(token, '&batchSize=2');

  await page.goto(`${h.service.url}/?token=${token}`);
  assert.ok(!page.url().includes(token), 'the token leaves the address bar');
  await page.locator(`#runs li[data-run-id="${run.id}"]`).waitFor({ timeout: 30_000 });
  await page.locator('[data-testid="run-title"]', { hasText: run.id }).waitFor();
  await page.locator('.stage[data-stage="lift"]').waitFor();
  assert.equal(await shown('.stage[data-stage="lift"]', 'data-done'), 0, 'no lift worker yet');

  // The depth bar fills as the perception stages run, up to every image.
  await page.waitForFunction((scenes) => Number(document.querySelector('.stage[data-stage="depth"]')?.getAttribute('data-done')) === scenes, SCENES, { timeout: 120_000 });

  await h.service.factory.startWorkers(['lift', 'synthesize'], { concurrency: 1, threads: 1 });
  await page.waitForFunction(() => Number(document.querySelector('.stage[data-stage="lift"]')?.getAttribute('data-done')) >= 4, undefined, { timeout: 120_000 });
  const liftWidth = await page.locator('.stage[data-stage="lift"] .bar .done').evaluate((el) => (el as HTMLElement).style.width);
  assert.notEqual(liftWidth, '0%', 'the lift bar has grown');
  await page.locator('#chart path.series[data-stage="lift"]').waitFor({ state: 'attached', timeout: 30_000 });
  // Thumbnails are the samples' overlay pictures, fetched with the token.
  await page.locator('#samples .sample').first().waitFor({ timeout: 120_000 });
  await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>('#samples img')).every((img) => img.complete && img.naturalWidth > 0), undefined, { timeout: 60_000 });
  await mkdir(new URL('./', SCREENSHOT), { recursive: true });
  await page.screenshot({ path: OVERVIEW_SCREENSHOT.pathname, fullPage: true });

  // Samples appear as images finish synthesize; open the first.
  await page.locator('#samples .sample').first().waitFor({ timeout: 120_000 });
  await page.waitForFunction(() => Number(document.querySelector('.stage[data-stage="synthesize"]')?.getAttribute('data-done')) >= 3, undefined, { timeout: 120_000 });
  await page.locator('#samples .sample').first().click();
  const viewer = page.locator('[data-testid="viewer"]');
  await viewer.waitFor({ state: 'visible' });
  for (const id of ['pic-overlay', 'pic-depth', 'pic-topdown']) {
    await page.waitForFunction((selector) => {
      const img = document.getElementById(selector) as HTMLImageElement | null;
      return Boolean(img?.complete && img.naturalWidth > 0);
    }, id, { timeout: 30_000 });
  }
  const overlay = await page.locator('#pic-overlay').evaluate((img) => [(img as HTMLImageElement).naturalWidth, (img as HTMLImageElement).naturalHeight]);
  assert.deepEqual(overlay, [320, 240], 'the overlay is the normalised image with boxes drawn on it');
  await page.locator('#qa > li[data-qa-type]').first().waitFor({ timeout: 30_000 });
  const questions = await page.locator('#qa > li[data-qa-type] .q').allTextContents();
  const subtitle = (await page.locator('#viewer-subtitle').textContent()) ?? '';
  assert.match(subtitle, /\d+ objects/);
  const imageId = /^[0-9a-f]{32}/.exec(subtitle)![0];
  const detail = (await (await h.api(token, `/v1/runs/${run.id}/samples/${imageId}`)).json()) as { qa: { question: string }[] };
  assert.deepEqual(questions, detail.qa.map((q) => q.question), 'the viewer lists the image’s generated QA');

  // No export worker yet: the run is still in progress in the screenshot.
  const status = (await page.locator('[data-testid="run-status"]').textContent())?.trim();
  assert.ok(status === 'running' || status === 'exporting', `status shown: ${status}`);
  await page.screenshot({ path: SCREENSHOT.pathname });
  await page.locator('#viewer-close').click();
  await viewer.waitFor({ state: 'hidden' });

  await h.service.factory.startWorkers(['export'], { concurrency: 1, threads: 1 });
  await page.locator('[data-testid="run-status"]', { hasText: 'completed' }).waitFor({ timeout: 120_000 });
  await page.locator('#dataset a', { hasText: 'qa.jsonl' }).waitFor({ timeout: 30_000 });
  assert.deepEqual(pageErrors, [], 'the page logged errors');
});
