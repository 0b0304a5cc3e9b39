// Browser test: the websocket closes every way it does in play, and no
// page logs a console error or a page error for it. A page signed in is
// replaced by a second page of its browser context (the same stored
// session): the server closes the first with 4002. The second page is
// reloaded (the browser closes its socket while the page unloads), then
// the server shuts down (its sockets close) and the page reconnects in
// vain: Chromium's own log of each refused connection is the only console
// error allowed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { loadGame, openPages, outPath, pressUntil, startDuelServer, stopProcess, waitState } from './harness.mjs';

test('websocket closes (4002 replaced, page unload, server shutdown) log no console error', { timeout: 120_000 }, async () => {
  const server = startDuelServer('close', 60);
  let browser;
  try {
    const url = await server.url;
    const opened = await openPages(['page A']);
    browser = opened.browser;
    const { pages: [a], logs, errors } = opened;
    try {
      await loadGame(a, url);
      await waitState(a, 'name screen', (s) => s.screen === 'name');
      await a.keyboard.type('Cleo');
      await pressUntil(a, 'Enter', 'menu screen', (s) => s.screen === 'menu' && s.name === 'Cleo');

      // A second page of the same context signs in with the stored session:
      // the server closes A's connection with 4002, and A stops.
      const b = await a.context().newPage();
      b.label = 'page B';
      b.on('console', (m) => {
        const line = `${b.label} console.${m.type()}: ${m.text()}`;
        logs.push(line);
        if (m.type() === 'error') errors.push(line);
      });
      b.on('pageerror', (e) => {
        logs.push(`${b.label} page error: ${e.message}`);
        errors.push(`${b.label} page error: ${e.message}`);
      });
      await loadGame(b, url);
      await waitState(b, 'B on the menu as Cleo', (s) => s.screen === 'menu' && s.name === 'Cleo' && s.online, null, 30_000);
      const replaced = await waitState(a, 'A told it was replaced (4002)',
        (s) => s.screen === 'name' && !s.online && s.error.includes('another window'), null, 30_000);
      console.log(`A after 4002: ${replaced.error}`);

      // B reloads: its socket closes as the page unloads, and it signs in again.
      await b.reload({ waitUntil: 'commit' });
      await b.waitForFunction(() => window.arenaReady === true, null, { timeout: 60_000, polling: 20 });
      await waitState(b, 'B on the menu again after the reload', (s) => s.screen === 'menu' && s.online, null, 30_000);
      console.log(`B back on the menu after a reload: screens ${JSON.stringify((await b.evaluate(() => JSON.parse(window.arenaState))).drawnScreens)}`);

      // The server shuts down: B's socket closes with 1001, and B tries to
      // reconnect to a server that is gone.
      await stopProcess(server.proc);
      const lost = await waitState(b, 'B reconnecting after the shutdown', (s) => s.reconnecting && !s.online, null, 20_000);
      console.log(`B after the shutdown: ${lost.status}; last error ${lost.error}`);
      await new Promise((r) => setTimeout(r, 3000)); // a few failed reconnects
      // Chromium itself logs every websocket that cannot connect (here, to
      // the server that is gone) as a console error, whatever the page
      // does; those are failed reconnects, not closes. Nothing else may be
      // logged as an error.
      const refused = (l) => /^page B console\.error: WebSocket connection to '.*' failed: Error in connection establishment: net::ERR_CONNECTION_REFUSED$/.test(l);
      console.log(`${errors.filter(refused).length} failed reconnect(s) logged by Chromium while the server was down`);
      assert.deepEqual(errors.filter((l) => !refused(l)), [], 'no page errors and no console errors');
    } finally {
      writeFileSync(outPath('close-browser.log'), logs.join('\n') + '\n');
    }
  } finally {
    await browser?.close().catch(() => {});
    await server.stop();
  }
});
