// Browser test: two headless Chromium pages play a short duel to its end
// (page A firing at the arena's centre), then page A presses R on the
// results screen and watches the match's replay at ×4 to its end: the
// replay's final scores are the kills and deaths the results screen showed.
// Every wait is a waitForFunction on window.arenaState with a deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import {
  assertNotBlank, loadGame, openPages, outPath, pressUntil, queueAll, screenshot, signInAs, startDuelServer, waitState, watchReplayToEnd,
} from './harness.mjs';

// The duel ends on time soon after its 3 s countdown.
const matchSeconds = 5;

test('a browser watches the replay of the duel it played', { timeout: 60_000 }, async () => {
  // A database of its own, where the match's results and replay are kept.
  const server = startDuelServer('replay', matchSeconds);
  let browser;
  try {
    const url = await server.url;
    console.log(`server at ${url}, data in ${server.dataDir}`);
    const opened = await openPages(['page A', 'page B']);
    browser = opened.browser;
    const { pages, logs, errors } = opened;
    const [a, b] = pages;

    try {
      for (const p of pages) {
        await loadGame(p, url);
        await waitState(p, 'name screen', (s) => s.screen === 'name');
      }
      await signInAs([[a, 'Ria'], [b, 'Rex']]);
      await queueAll(pages);

      // A aims at the arena's centre and fires until the duel ends.
      await waitState(a, 'the match screen', (s) => s.screen === 'match');
      const box = await a.locator('canvas').boundingBox();
      const scale = Math.min(box.width / 1280, box.height / 720);
      await a.mouse.move(box.x + (box.width - 1280 * scale) / 2 + 360 * scale, box.y + (box.height - 720 * scale) / 2 + 360 * scale);
      const onResults = (s) => s.screen === 'results' && s.results && s.results.length === 2;
      const results = await pressUntil(a, 'Space', 'results screen', onResults, null, (matchSeconds + 25) * 1000);
      await waitState(b, 'results screen', onResults, null, 10_000);
      const scored = Object.fromEntries(results.results.map((r) => [r.name, [r.kills, r.deaths]]));
      console.log(`results of ${results.matchId}: ${JSON.stringify(scored)}`);
      assert.deepEqual(Object.keys(scored).sort(), ['Rex', 'Ria']);

      // R opens the replay of that match, which plays to its end at ×4.
      await watchReplayToEnd(a, results);
      assertNotBlank(await screenshot(a, 'replay-a.png'));

      // Escape returns to the menu.
      await pressUntil(a, 'Escape', 'the menu', (s) => s.screen === 'menu');
      assert.deepEqual(errors, [], 'no page errors and no console errors');
    } finally {
      writeFileSync(outPath('replay-browser.log'), logs.join('\n') + '\n');
    }
  } finally {
    await browser?.close().catch(() => {});
    await server.stop();
  }
});
