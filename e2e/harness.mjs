// What the browser tests share: starting bin/arena (and bin/arena-bots),
// launching headless Chromium with one context per player, and waiting on
// the game's window.arenaState (JSON) with deadlines.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { colourStats, decodePNG } from './png.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '..');
export const out = join(here, 'test-results');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

// Measured to work: WebGL2 through SwiftShader. Never add
// --disable-software-rasterizer (no WebGL, black canvas).
const chromiumFlags = [
  '--no-sandbox',
  '--disable-gpu',
  '--enable-unsafe-swiftshader',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// The page size. Chromium draws WebGL in software here and reads every frame
// back for its compositor: at 1280x720 two pages get about 5 frames/s each on
// two cores, at 960x540 about 7.
export const viewport = { width: 960, height: 540 };

/** Creates test-results/ and returns the path of name in it. */
export function outPath(name) {
  mkdirSync(out, { recursive: true });
  return join(out, name);
}

/**
 * Starts bin/arena on a free port with the modes of modesFile and env (the
 * environment twins of its flags, on top of this process's), logging to
 * test-results/logName; url resolves once it listens.
 */
export function startServer(modesFile, logName = 'server.log', env = {}) {
  const log = createWriteStream(outPath(logName));
  const proc = spawn(join(root, 'bin/arena'), [
    '-addr', '127.0.0.1:0',
    '-admin-addr', '',
    '-web-dir', process.env.E2E_WEB_DIR || join(root, 'bin/web'), // E2E_WEB_DIR: another build of the client
    '-modes', modesFile,
  ], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  proc.stderr.pipe(log);
  const url = new Promise((resolveURL, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`server printed no URL in 20 s: ${seen}`)), 20_000);
    proc.stdout.on('data', (chunk) => {
      log.write(chunk);
      seen += chunk;
      const m = seen.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (m) {
        clearTimeout(timer);
        resolveURL(m[0]);
      }
    });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening; see ${join(out, logName)}`));
    });
  });
  url.catch(() => {}); // the caller awaits it; an early exit must not go unhandled meanwhile
  return { proc, url };
}

/**
 * Starts bin/arena for one test of a short duel: one mode, duel, with
 * seconds of play, a fresh database in a temporary directory, and env (the
 * environment twins of its flags). It logs to test-results/<label>-server.log;
 * stop() stops it and removes the database.
 */
export function startDuelServer(label, seconds, env = {}) {
  const modesFile = outPath(`${label}-modes.json`);
  writeFileSync(modesFile, JSON.stringify([{
    name: 'duel', teams: 2, players_per_team: 1, score_limit: 10, time_limit: `${seconds}s`, friendly_fire: false,
  }]));
  const dataDir = mkdtempSync(join(tmpdir(), `arena-${label}-`));
  const server = startServer(modesFile, `${label}-server.log`, { ARENA_DATA_DIR: dataDir, ...env });
  return {
    ...server,
    dataDir,
    async stop() {
      await stopProcess(server.proc);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Types each page's name on its name screen and waits for its menu. */
export async function signInAs(pairs) {
  for (const [p, name] of pairs) {
    await p.keyboard.type(name);
    await pressUntil(p, 'Enter', 'menu screen', (s, n) => s.screen === 'menu' && s.name === n, name);
  }
}

/** Queues each page for the menu's mode once the server's modes are loaded. */
export async function queueAll(pages) {
  for (const p of pages) {
    await waitState(p, "the server's modes", (s) => s.modesState === 'loaded');
    await pressUntil(p, 'Enter', 'queue or match screen', (s) => s.screen === 'queue' || s.screen === 'match');
  }
}

/**
 * From the results screen in results (a probe state), opens that match's
 * replay with R, plays it at ×4 to its end and checks that it played to its
 * last tick without an error and ends with the results' kills and deaths.
 * Returns the replay's last probe state.
 */
export async function watchReplayToEnd(page, results) {
  const opening = await pressUntil(page, 'r', 'the replay playing',
    (s) => s.screen === 'replay' && s.replay?.playing && s.replay.totalTicks > 0);
  assert.equal(opening.replay.matchId, results.matchId, 'the replay of the match on the results screen');
  assert.equal(opening.replay.speed, 1);
  await pressUntil(page, 'Equal', 'speed ×2', (s) => s.replay?.speed === 2);
  await pressUntil(page, 'Equal', 'speed ×4', (s) => s.replay?.speed === 4);
  const end = await waitState(page, 'the end of the replay', (s) => s.replay?.ended, null, 15_000);
  const r = end.replay;
  console.log(`replay of ${r.matchId} ended at tick ${r.tick} of ${r.totalTicks}: ${JSON.stringify(r.scores)}`);
  assert.equal(r.error, undefined, 'the replay played without an error');
  assert.equal(r.playing, false);
  assert.equal(r.tick, r.totalTicks);
  const scores = (rows) => Object.fromEntries(rows.map((x) => [x.name, [x.kills, x.deaths]]));
  assert.deepEqual(scores(r.scores), scores(results.results), "the replay's final scores are the results screen's");
  return r;
}

/**
 * Starts bin/arena-bots with args, its output to test-results/logName.
 * exited resolves with its exit code (or signal).
 */
export function startBots(args, logName = 'bots.log') {
  const log = createWriteStream(outPath(logName));
  const proc = spawn(join(root, 'bin/arena-bots'), args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.pipe(log);
  proc.stderr.pipe(log);
  const exited = new Promise((r) => proc.once('exit', (code, signal) => r(code ?? signal)));
  return { proc, exited };
}

/** Stops a child process: SIGTERM, then SIGKILL after 5 s. */
export async function stopProcess(proc) {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Launches Chromium and opens one page per label, each in its own browser
 * context (its own window: two pages of one context throttle the one in the
 * background to about one frame a second). launch() starts Chromium on a
 * fresh temporary --user-data-dir and removes it on close. Console lines and
 * page errors are collected in logs; errors holds the console errors and
 * page errors alone. Every page sets window.arenaProbe before the game
 * loads, so that the game publishes window.arenaState every frame.
 */
export async function openPages(labels) {
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumFlags });
  const pages = [];
  const logs = [];
  const errors = [];
  try {
    await addPages(browser, labels, pages, logs, errors);
  } catch (err) {
    await browser.close().catch(() => {});
    throw err;
  }
  return { browser, pages, logs, errors };
}

async function addPages(browser, labels, pages, logs, errors) {
  for (const label of labels) {
    const context = await browser.newContext({ viewport });
    // The game publishes window.arenaState only while the page asks for it
    // (client/hook): every frame, from before the game starts.
    await context.addInitScript(() => { window.arenaProbe = true; });
    const p = await context.newPage();
    p.label = label;
    p.on('console', (m) => {
      const line = `${p.label} console.${m.type()}: ${m.text()}`;
      logs.push(line);
      if (m.type() === 'error') errors.push(line);
    });
    p.on('pageerror', (e) => {
      logs.push(`${p.label} page error: ${e.message}`);
      errors.push(`${p.label} page error: ${e.message}`);
    });
    pages.push(p);
  }
}

/** Loads url in page p, waits for the first frame and logs how long it took. */
export async function loadGame(p, url) {
  const started = Date.now();
  await p.goto(url, { waitUntil: 'commit' });
  await p.waitForFunction(() => window.arenaReady === true, null, { timeout: 60_000, polling: 20 });
  const wall = Date.now() - started;
  const sinceNavigation = await p.evaluate(() => window.arenaFirstFrameMs);
  console.log(`${p.label}: first frame ${Math.round(sinceNavigation)} ms after navigation start (${wall} ms wall clock from goto)`);
}

/** The page's arenaState, parsed. */
export async function state(page) {
  const s = await page.evaluate(() => window.arenaState ?? null);
  return s ? JSON.parse(s) : null;
}

/**
 * Waits until pred(state, arg) holds in the page (pred runs in the page) and
 * returns that state; on timeout, fails with the last state seen.
 */
export async function waitState(page, what, pred, arg = null, timeout = 20_000) {
  try {
    const handle = await page.waitForFunction(({ src, arg }) => {
      if (!window.arenaState) return false;
      const s = JSON.parse(window.arenaState);
      return (0, eval)(`(${src})`)(s, arg) ? window.arenaState : false;
    }, { src: pred.toString(), arg }, { timeout, polling: 50 });
    return JSON.parse(await handle.jsonValue());
  } catch (err) {
    const last = await page.evaluate(() => window.arenaState ?? null).catch(() => 'unavailable');
    throw new Error(`${page.label}: no ${what} within ${timeout} ms; last state: ${last}`, { cause: err });
  }
}

/** Holds key down until pred holds in the page, then releases it. */
export async function pressUntil(page, key, what, pred, arg = null, timeout = 20_000) {
  await page.keyboard.down(key);
  try {
    return await waitState(page, what, pred, arg, timeout);
  } finally {
    await page.keyboard.up(key);
  }
}

/**
 * Holds the left mouse button down at the game's logical point (x, y) of
 * its 1280x720 screen until pred holds in the page, then releases it.
 */
export async function clickUntil(page, x, y, what, pred, arg = null, timeout = 20_000) {
  const box = await page.locator('canvas').boundingBox();
  const scale = Math.min(box.width / 1280, box.height / 720); // the logical screen, letterboxed
  const ox = box.x + (box.width - 1280 * scale) / 2;
  const oy = box.y + (box.height - 720 * scale) / 2;
  await page.mouse.move(ox + x * scale, oy + y * scale);
  await page.mouse.down();
  try {
    return await waitState(page, what, pred, arg, timeout);
  } finally {
    await page.mouse.up();
  }
}

/** Opens the chat line (Enter), types text, sends it (Enter). */
export async function sendChat(page, text) {
  await pressUntil(page, 'Enter', 'chat line open', (s) => s.chatOpen);
  await page.keyboard.type(text);
  await waitState(page, 'typed chat draft', (s, t) => s.chatDraft === t, text);
  await pressUntil(page, 'Enter', 'chat line closed', (s) => !s.chatOpen);
}

/**
 * Types text key by key as trusted keydown/keyup events through the DevTools
 * protocol: Playwright's keyboard knows only the US layout's keys, and for
 * other characters sends input events without keydown, which Ebiten (that
 * reads characters from keydown) does not see.
 */
export async function typeKeys(page, text) {
  const cdp = await page.context().newCDPSession(page);
  try {
    for (const ch of text) {
      await cdp.send('Input.dispatchKeyEvent', { type: 'keyDown', key: ch, text: ch, unmodifiedText: ch });
      await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', key: ch });
    }
  } finally {
    await cdp.detach();
  }
}

/** Screenshots page into test-results/name and returns the path. */
export async function screenshot(page, name) {
  const path = outPath(name);
  await page.screenshot({ path });
  return path;
}

/** Fails unless the PNG at path shows a drawn picture rather than one flat colour. */
export function assertNotBlank(path) {
  const stats = colourStats(decodePNG(readFileSync(path)));
  console.log(`${path}: ${stats.distinct} distinct colours, most common covers ${(100 * stats.topShare).toFixed(1)}%`);
  assert.ok(stats.distinct >= 16, `${path} has only ${stats.distinct} colours: blank canvas?`);
  assert.ok(stats.topShare < 0.97, `${path} is ${(100 * stats.topShare).toFixed(1)}% one colour: blank canvas?`);
}
