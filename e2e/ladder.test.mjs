// Browser test: two headless Chromium pages play a short duel to its end on
// a server with one placement match per mode and a fresh database, so both
// players are rated by the results screen. Page A goes back to the menu,
// which shows its rating, and opens the leaderboard with L: both players are
// ranked there with the ratings the results showed. Every wait is a
// waitForFunction on window.arenaState with a deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import {
  assertNotBlank, loadGame, openPages, outPath, pressUntil, queueAll, screenshot, signInAs, startDuelServer, waitState,
} from './harness.mjs';

// The duel ends on time soon after its 3 s countdown.
const matchSeconds = 5;

test('two browsers play a duel, get rated, and find both on the leaderboard', { timeout: 90_000 }, async () => {
  // A database of its own (no players of earlier runs on the board) and
  // ratings after one match.
  const server = startDuelServer('ladder', matchSeconds, { ARENA_PLACEMENT_MATCHES: '1' });
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
      await signInAs([[a, 'Ada'], [b, 'Bea']]);
      // A new player has no duel yet.
      await waitState(a, 'the menu saying unranked', (s) => s.ratingLine === 'duel: unranked');

      await queueAll(pages);
      const onResults = (s) => s.screen === 'results' && s.results && s.results.length === 2;
      const ra = await waitState(a, 'results screen', onResults, null, (matchSeconds + 25) * 1000);
      await waitState(b, 'results screen', onResults, null, 10_000);
      console.log(`results: ${ra.results.map((r) => `#${r.placement} ${r.name} ${r.rating} (${r.ratingChange >= 0 ? '+' : ''}${r.ratingChange}), ${r.placementMatchesLeft} placement left`).join(', ')}`);
      const rated = Object.fromEntries(ra.results.map((r) => [r.name, r.rating]));
      for (const r of ra.results) {
        assert.equal(r.placementMatchesLeft, 0, `${r.name} has played the one placement match`);
        assert.ok(r.rating > 0, `${r.name} has a rating on the results screen`);
      }
      assert.deepEqual(Object.keys(rated).sort(), ['Ada', 'Bea']);

      // Back on the menu: A's own rating, as the results showed it.
      await pressUntil(a, 'Enter', 'the menu', (s) => s.screen === 'menu');
      const menu = await waitState(a, "A's rating on the menu", (s, want) => s.ratingLine === want, `duel rating: ${rated.Ada}`);
      console.log(`A's menu: "${menu.ratingLine}"`);

      // L opens the leaderboard: both players ranked, with those ratings.
      const board = await pressUntil(a, 'l', 'the leaderboard with both players',
        (s) => s.screen === 'leaderboard' && s.leaderboard?.state === 'loaded' && s.leaderboard.rows.length === 2);
      const lb = board.leaderboard;
      console.log(`leaderboard ${lb.mode}: ${lb.rows.map((r) => `#${r.rank} ${r.name} ${r.rating} (${r.matches})`).join(', ')}; ${lb.you.line}`);
      assert.equal(lb.mode, 'duel');
      assert.deepEqual(Object.fromEntries(lb.rows.map((r) => [r.name, r.rating])), rated, 'the ratings of the results screen');
      assert.deepEqual(lb.rows.map((r) => r.rank), [1, 2]); // equal ratings too: then in the order of player ids
      assert.ok(lb.rows.every((r) => r.matches === 1), 'one match each');
      const own = lb.rows.find((r) => r.you);
      assert.equal(own?.name, 'Ada', "A's own row is marked");
      assert.equal(lb.you.rating, rated.Ada);
      assert.equal(lb.you.rank, own.rank);
      assert.equal(lb.you.line, `you: #${own.rank}, ${rated.Ada}`);
      assertNotBlank(await screenshot(a, 'leaderboard-a.png'));

      // Escape returns to the menu.
      await pressUntil(a, 'Escape', 'the menu again', (s) => s.screen === 'menu');
      assert.deepEqual(errors, [], 'no page errors and no console errors');
    } finally {
      writeFileSync(outPath('ladder-browser.log'), logs.join('\n') + '\n');
    }
  } finally {
    await browser?.close().catch(() => {});
    await server.stop();
  }
});
