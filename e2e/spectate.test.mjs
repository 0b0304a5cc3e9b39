// Browser test: two headless Chromium pages play a duel, moving; a third
// page signs in, presses W, picks the running match on the Watch screen and
// watches it as a spectator, a second behind: its probe shows both ships
// moving, the spectator flag and the delay, and its screenshot is drawn.
// When the duel ends, the third page shows its results, then watches the
// match's replay to its end with the same scores. Every wait is a
// waitForFunction on window.arenaState with a deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import {
  assertNotBlank, loadGame, openPages, outPath, pressUntil, queueAll, screenshot, signInAs, startDuelServer, waitState, watchReplayToEnd,
} from './harness.mjs';

// The duel ends on time, long enough after its 3 s countdown to be watched.
const matchSeconds = 12;

test('a third browser watches a running duel live', { timeout: 90_000 }, async () => {
  // A database of its own (the Watch screen lists the player's finished
  // matches from it) and spectators one second behind.
  const server = startDuelServer('spectate', matchSeconds, { ARENA_SPECTATE_DELAY: '1s' });
  let browser;
  try {
    const url = await server.url;
    console.log(`server at ${url}, data in ${server.dataDir}`);
    const opened = await openPages(['page A', 'page B', 'page C']);
    browser = opened.browser;
    const { pages, logs, errors } = opened;
    const [a, b, c] = pages;

    try {
      // The three pages load together: one after another takes half a minute on a busy machine.
      await Promise.all(pages.map(async (p) => {
        await loadGame(p, url);
        await waitState(p, 'name screen', (s) => s.screen === 'name');
      }));
      await signInAs([[a, 'Sia'], [b, 'Sam'], [c, 'Spy']]);
      await queueAll([a, b]);
      const playing = await waitState(a, 'the match screen', (s) => s.screen === 'match' && s.matchId);
      await waitState(b, 'the match screen', (s) => s.screen === 'match');
      // A moves right and B left for as long as the duel lasts (reversed below).
      await a.keyboard.down('d');
      await b.keyboard.down('a');

      // C opens the Watch screen, finds the duel and watches it.
      await pressUntil(c, 'w', 'the Watch screen', (s) => s.screen === 'watch');
      const listed = await waitState(c, 'the duel listed live',
        (s, id) => s.watch?.live?.some((m) => m.matchId === id), playing.matchId, 10_000);
      const duel = listed.watch.live.find((m) => m.matchId === playing.matchId);
      assert.deepEqual([...duel.players].sort(), ['Sam', 'Sia']);
      assert.equal(duel.mode, 'duel');
      const onView = (s) => s.screen === 'match' && s.spectator && s.phase === 'playing' && s.ships.length === 2;
      const first = await pressUntil(c, 'Enter', 'the spectator view, playing', onView, null, 15_000);
      assert.equal(first.matchId, playing.matchId);
      assert.equal(first.shipId, undefined, 'a spectator has no ship');
      assert.ok(first.delayTicks > 0, `delay of ${first.delayTicks} ticks`);
      console.log(`C watches ${first.matchId} ${first.delayTicks} ticks behind: ${JSON.stringify(first.ships.map((s) => [s.name, s.x, s.y]))}`);

      // Both ships move on C's screen after A and B reverse.
      await a.keyboard.up('d');
      await b.keyboard.up('a');
      await a.keyboard.down('a');
      await b.keyboard.down('d');
      const moved = await waitState(c, 'both ships moving on the spectator view', (s, before) => s.spectator && s.ships.length === 2 &&
        s.ships.every((sh) => {
          const b0 = before.find((o) => o.id === sh.id);
          return b0 && Math.hypot(sh.x - b0.x, sh.y - b0.y) > 30;
        }), first.ships, 10_000);
      console.log(`later: ${JSON.stringify(moved.ships.map((s) => [s.name, s.x, s.y]))}`);
      assert.ok(moved.tick > first.tick);
      assertNotBlank(await screenshot(c, 'spectate-c.png'));

      // The duel ends: C shows its results too.
      const onResults = (s) => s.screen === 'results' && s.results && s.results.length === 2;
      const results = await waitState(c, 'results screen', onResults, null, (matchSeconds + 10) * 1000);
      assert.equal(results.matchId, playing.matchId);
      assert.deepEqual(results.results.map((r) => r.name).sort(), ['Sam', 'Sia']);
      await a.keyboard.up('a');
      await b.keyboard.up('d');

      // After the match, C watches its replay to the end: the same scores.
      await watchReplayToEnd(c, results);
      assert.deepEqual(errors, [], 'no page errors and no console errors');
    } finally {
      writeFileSync(outPath('spectate-browser.log'), logs.join('\n') + '\n');
    }
  } finally {
    await browser?.close().catch(() => {});
    await server.stop();
  }
});
