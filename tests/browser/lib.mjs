// Shared helpers of the browser tests: launching the system Chromium through
// playwright-core (never downloading a browser), loading pages of the UI, running
// axe-core for WCAG 2.2 AA, saving screenshots, and reading the API directly so the
// tests compare what the page shows with what the server says.
// Modules resolve from web/node_modules (the single package.json/lock file).

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '..', '..');
const require = createRequire(path.join(ROOT, 'web', 'package.json'));
const { chromium } = require('playwright-core');
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const BASE_URL = (process.env.BASE_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
export const OUTPUT = path.join(ROOT, 'tests', 'output', 'browser');

const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Starts Chromium with a fresh profile. Returns {context, page, errors, close}:
 * `errors` collects uncaught page errors and console errors for the tests to assert on.
 */
export async function launch({ width = 1100, height = 900 } = {}) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gameplan-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width, height },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  const close = async () => {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  };
  return { context, page, errors, close };
}

/** Waits until the single-page app has drawn the page for the current URL. */
export async function waitReady(page) {
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
}

/** Loads `urlPath` from the server and waits for the app to draw it. */
export async function open(page, urlPath) {
  const res = await page.goto(BASE_URL + urlPath, { waitUntil: 'domcontentloaded' });
  await waitReady(page);
  return res;
}

/** GETs a JSON document from the API. */
export async function apiGet(urlPath) {
  const res = await fetch(BASE_URL + urlPath, { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`GET ${urlPath}: HTTP ${res.status}`);
  return res.json();
}

/**
 * Runs axe-core on the page with the WCAG 2.2 AA rule tags. Returns the violations
 * as readable lines (empty when there are none).
 */
export async function axeViolations(page) {
  const loaded = await page.evaluate(() => typeof window.axe !== 'undefined');
  // Evaluated through the DevTools protocol rather than an inline <script>, so the
  // server's Content-Security-Policy stays enforced while the tests run.
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    return window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
      resultTypes: ['violations'],
    });
  });
  return result.violations.flatMap((v) =>
    v.nodes.map((n) => `${v.id} (${v.impact}): ${v.help} at ${n.target.join(' ')} :: ${n.failureSummary}`),
  );
}

/** Saves a full-page screenshot to tests/output/browser/<name>.png; returns the path. */
export async function screenshot(page, name) {
  fs.mkdirSync(OUTPUT, { recursive: true });
  const file = path.join(OUTPUT, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The words the UI shows for each rating (web/src/format.ts). */
export const RATING_WORDS = {
  green: 'Green',
  amber_green: 'Amber-green',
  amber_red: 'Amber-red',
  red: 'Red',
  not_rated: 'Not rated',
};

/** The words the UI shows for each Open SDG status. */
export const OPEN_SDG_WORDS = {
  target_achieved: 'Target achieved',
  on_track: 'On track',
  needs_acceleration: 'Needs acceleration',
  limited_progress: 'Limited progress',
  deterioration: 'Deterioration',
  not_available: 'Progress not assessed',
};

/** A number as the UI shows it (en-GB, at most 2 decimals, 3 significant digits below 1). */
export function fmtNumber(v) {
  const a = Math.abs(v);
  const opts =
    a === 0 || a >= 1000
      ? { maximumFractionDigits: 0 }
      : a >= 1
        ? { maximumFractionDigits: 2 }
        : { maximumSignificantDigits: 3 };
  return v.toLocaleString('en-GB', opts);
}

/** A probability as the UI shows it. */
export function fmtProbability(p) {
  if (p === null || p === undefined) return 'Not available';
  if (p > 0 && p < 0.01) return 'less than 1%';
  if (p < 1 && p > 0.99) return 'more than 99%';
  return `${Math.round(p * 100)}%`;
}

/** A free loopback port. */
function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts `gameplan serve` of `bin` on database `db` (with `args` more) on a free
 * loopback port, serving the built UI, and waits until it answers. Returns
 * { base, server }; stop it with server.kill('SIGTERM').
 */
export async function serve(bin, db, args = []) {
  const port = await freePort();
  const server = spawn(bin, ['serve', '--db', db, '--port', String(port), '--bind', '127.0.0.1', ...args], {
    env: { ...process.env, GAMEPLAN_WEB: path.join(ROOT, 'build', 'web') },
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`${base}/api/v1/missions`);
      if (r.ok) break;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base, server };
}
