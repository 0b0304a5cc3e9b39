// Browser test: the client's download. The first load fetches the module's
// brotli twin, as many bytes as make wasm wrote, under the 4 MB budget, and
// the loader shows the download's progress; a reload transfers under 100 KB:
// the content-hashed module and wasm_exec.js come from the browser's cache
// and index.html is revalidated (304). Bytes are the DevTools protocol's
// encodedDataLength (headers and body as received) of each request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadGame, openPages, outPath, root, startServer, stopProcess, waitState } from './harness.mjs';

const firstLoadBudget = 4_000_000;
const reloadBudget = 100_000;

/** The size of bin/web's file whose name matches re. */
function builtSize(re) {
  const names = readdirSync(join(root, 'bin/web')).filter((n) => re.test(n));
  assert.equal(names.length, 1, `one file in bin/web matches ${re}: ${names}`);
  return statSync(join(root, 'bin/web', names[0])).size;
}

/**
 * Records every HTTP request of page through the DevTools protocol, into the
 * list load() returns at the time of the request.
 */
async function recordRequests(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const byId = new Map();
  let load = [];
  const finished = [];
  cdp.on('Network.requestWillBeSent', (e) => {
    if (!e.request.url.startsWith('http')) return;
    const r = { url: new URL(e.request.url).pathname, cached: false, done: false };
    byId.set(e.requestId, r);
    load.push(r);
  });
  cdp.on('Network.requestServedFromCache', (e) => {
    if (byId.has(e.requestId)) byId.get(e.requestId).cached = true;
  });
  cdp.on('Network.responseReceived', (e) => {
    const r = byId.get(e.requestId);
    if (!r) return;
    const h = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
    Object.assign(r, {
      status: e.response.status,
      encoding: h['content-encoding'] ?? '',
      cacheControl: h['cache-control'] ?? '',
      cached: r.cached || e.response.fromDiskCache || e.response.fromServiceWorker,
    });
  });
  // The status as received: a revalidated response is reported above with
  // the cached entry's 200, and here with the 304 that crossed the wire.
  cdp.on('Network.responseReceivedExtraInfo', (e) => {
    if (byId.has(e.requestId)) byId.get(e.requestId).wireStatus = e.statusCode;
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = byId.get(e.requestId);
    if (!r) return;
    r.bytes = r.cached ? 0 : e.encodedDataLength;
    r.done = true;
    for (const f of finished.splice(0)) f();
  });
  cdp.on('Network.loadingFailed', (e) => {
    const r = byId.get(e.requestId);
    if (!r) return;
    Object.assign(r, { failed: e.errorText, done: true });
    for (const f of finished.splice(0)) f();
  });
  return {
    /** Starts a new list of requests and returns it. */
    newLoad() {
      load = [];
      return load;
    },
    /** Resolves once every request of list has finished. */
    async settled(list) {
      while (!list.every((r) => r.done)) await new Promise((r) => finished.push(r));
    },
    detach: () => cdp.detach(),
  };
}

/** Bytes received for a load's requests, and one line per request. */
function summary(list) {
  const total = list.reduce((sum, r) => sum + (r.bytes ?? 0), 0);
  const lines = list.map((r) => `  ${r.failed ?? r.wireStatus ?? r.status} ${r.url} ${r.cached ? '(cache)' : `${r.bytes} B`} ${r.encoding ?? ''}`);
  return { total, text: lines.join('\n') };
}

test('the first load downloads the brotli module with progress shown; a reload transfers under 100 KB', { timeout: 120_000 }, async () => {
  const modesFile = outPath('download-modes.json');
  writeFileSync(modesFile, JSON.stringify([{
    name: 'duel', teams: 2, players_per_team: 1, score_limit: 10, time_limit: '60s', friendly_fire: false,
  }]));
  const server = startServer(modesFile, 'download-server.log');
  let browser;
  try {
    const url = await server.url;
    const opened = await openPages(['page']);
    browser = opened.browser;
    const [page] = opened.pages;
    // The loader's status lines, as the player sees them change.
    await page.addInitScript(() => {
      window.loaderLines = [];
      new MutationObserver(() => {
        const s = document.getElementById('status');
        if (s && window.loaderLines.at(-1) !== s.textContent) window.loaderLines.push(s.textContent);
      }).observe(document, { subtree: true, childList: true, characterData: true });
    });
    const requests = await recordRequests(page);

    // First load: the module's brotli twin, exactly as built.
    const first = requests.newLoad();
    await loadGame(page, url);
    await waitState(page, 'name screen', (s) => s.screen === 'name');
    await requests.settled(first);
    const firstSum = summary(first);
    console.log(`first load: ${firstSum.total} bytes\n${firstSum.text}`);
    const wasm = first.find((r) => /^\/arena\.[0-9a-f]{16}\.wasm$/.test(r.url));
    assert.ok(wasm, `the page fetched a content-hashed module:\n${firstSum.text}`);
    assert.equal(wasm.status, 200);
    assert.equal(wasm.encoding, 'br', 'Chromium accepts brotli from 127.0.0.1, so the server sends the .br twin');
    assert.equal(wasm.cacheControl, 'public, max-age=31536000, immutable');
    const brSize = builtSize(/^arena\.[0-9a-f]{16}\.wasm\.br$/);
    assert.ok(wasm.bytes >= brSize && wasm.bytes < brSize + 2_000,
      `the module transferred ${wasm.bytes} bytes, the .br twin is ${brSize} (plus headers)`);
    assert.ok(wasm.bytes <= firstLoadBudget, `the module transferred ${wasm.bytes} bytes, over the ${firstLoadBudget} budget`);
    const lines = await page.evaluate(() => window.loaderLines);
    assert.ok(lines.some((l) => /^Downloading \d+\.\d of \d+\.\d MB · 100%$/.test(l)),
      `the loader never showed the whole download: ${JSON.stringify(lines)}`);

    // Reload: the hashed files from the cache, index.html revalidated.
    const again = requests.newLoad();
    const started = Date.now();
    await page.reload({ waitUntil: 'commit' });
    await page.waitForFunction(() => window.arenaReady === true, null, { timeout: 60_000, polling: 20 });
    console.log(`reload: first frame ${Date.now() - started} ms after reload()`);
    await waitState(page, 'name screen after the reload', (s) => s.screen === 'name');
    await requests.settled(again);
    const againSum = summary(again);
    console.log(`reload: ${againSum.total} bytes\n${againSum.text}`);
    assert.ok(againSum.total < reloadBudget, `the reload transferred ${againSum.total} bytes:\n${againSum.text}`);
    const page304 = again.find((r) => r.url === '/');
    assert.equal(page304?.wireStatus, 304, `index.html was revalidated:\n${againSum.text}`);
    assert.ok(again.some((r) => r.url === wasm.url && r.cached), `the module came from the cache:\n${againSum.text}`);
    await requests.detach();
  } finally {
    await browser?.close();
    await stopProcess(server.proc);
  }
});
