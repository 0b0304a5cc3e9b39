// Browser test: two headless Chromium pages sign in, chat in the lobby, queue
// for a duel, play it through the real server (bin/arena serving bin/web),
// chat (Latin, Cyrillic, Greek), reload one page mid-match and resume. The game
// exposes window.arenaState (JSON) and window.arenaReady; every wait below is
// a waitForFunction on them with a deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import {
  assertNotBlank, loadGame, openPages, outPath, pressUntil, screenshot, startServer, state, stopProcess, typeKeys, waitState,
} from './harness.mjs';

// The duel is shortened so the test also sees it end on time.
const matchSeconds = 45;

test('two browsers sign in, chat, queue, play a duel, move, reload and resume, and see the results', { timeout: 180_000 }, async () => {
  const modesFile = outPath('modes.json');
  writeFileSync(modesFile, JSON.stringify([{
    name: 'duel', teams: 2, players_per_team: 1, score_limit: 10, time_limit: `${matchSeconds}s`, friendly_fire: false,
  }]));
  const server = startServer(modesFile);
  let browser;
  try {
    const url = await server.url;
    console.log(`server at ${url}`);
    const opened = await openPages(['page A', 'page B']);
    browser = opened.browser;
    const { pages, logs, errors } = opened;
    const [a, b] = pages;

    try {
      // Load both pages and time the first frame.
      for (const p of pages) {
        await loadGame(p, url);
        await waitState(p, 'name screen', (s) => s.screen === 'name');
      }
      assertNotBlank(await screenshot(a, 'name-a.png'));

      // Sign in: type a name, Enter.
      for (const [p, name] of [[a, 'Alice'], [b, 'Bob']]) {
        await p.keyboard.type(name);
        await pressUntil(p, 'Enter', 'menu screen', (s, n) => s.screen === 'menu' && s.name === n, name);
      }

      // Lobby chat on the menu: T opens the line, Enter sends; B sees it.
      const lobbyLine = 'anyone for a duel?';
      await pressUntil(a, 't', 'lobby chat line open', (s) => s.chatOpen && s.chatChannel === 'lobby');
      await a.keyboard.type(lobbyLine);
      await waitState(a, 'typed lobby draft', (s, t) => s.chatDraft === t, lobbyLine);
      await pressUntil(a, 'Enter', 'lobby chat line closed', (s) => !s.chatOpen);
      await waitState(b, 'the lobby line in B',
        (s, t) => s.chat.some((c) => c.channel === 'lobby' && c.from === 'Alice' && c.text === t), lobbyLine, 10_000);
      console.log(`B saw A's lobby line "${lobbyLine}"`);
      assertNotBlank(await screenshot(b, 'menu-b.png'));

      // The menu offers the server's one mode, selected; Enter queues for
      // it. Both land in the same match.
      for (const p of pages) {
        const menu = await waitState(p, "the server's modes", (s) => s.modesState === 'loaded');
        assert.deepEqual(menu.modes, [{ name: 'duel', label: 'duel · 1v1' }]);
        assert.equal(menu.selectedMode, 'duel');
        const queued = await pressUntil(p, 'Enter', 'queue or match screen', (s) => s.screen === 'queue' || s.screen === 'match');
        assert.equal(queued.mode, 'duel', `${p.label} queued for a duel`);
      }
      const inMatch = (s) => s.screen === 'match' && s.matchId && s.shipId > 0 && s.ships.length === 2;
      const [sa, sb] = [await waitState(a, 'match', inMatch), await waitState(b, 'match', inMatch)];
      assert.equal(sa.matchId, sb.matchId, 'both pages are in the same match');
      assert.notEqual(sa.shipId, sb.shipId, 'the players have different ships');
      console.log(`match ${sa.matchId}: Alice is ship ${sa.shipId}, Bob is ship ${sb.shipId}`);

      // Wait out the countdown.
      const playing = (s) => s.screen === 'match' && s.phase === 'playing';
      const startA = await waitState(a, 'playing phase', playing);
      await waitState(b, 'playing phase', playing);

      const framesAtStart = await Promise.all(pages.map(async (p) => (await state(p)).frames));
      const playStarted = Date.now();

      // Hold a movement key in A until B sees A's ship move.
      const seenByB = (await state(b)).ships.find((s) => s.id === sa.shipId);
      assert.ok(seenByB, "B's snapshot has A's ship");
      const key = startA.x < 1000 ? 'd' : 'a';
      const pressed = Date.now();
      const moved = await pressUntil(a, key, "B seeing A's ship move",
        (s, { id, x }) => s.ships.some((sh) => sh.id === id && Math.abs(sh.x - x) >= 40), { id: sa.shipId, x: seenByB.x }, 10_000);
      const afterB = moved.ships.find((s) => s.id === sa.shipId);
      console.log(`B saw A's ship move from x=${seenByB.x.toFixed(1)} to x=${afterB.x.toFixed(1)} (key ${key}, held ${Date.now() - pressed} ms)`);
      const ownA = await state(a);
      assert.ok(Math.abs(ownA.x - startA.x) >= 40, `A's own view moved too (${startA.x} -> ${ownA.x})`);
      assert.ok(ownA.inputSeq > 0, 'A sent inputs');

      // Aim with the mouse at the arena's centre and fire with Space: B sees
      // A's aim turn that way, and A's shot.
      const box = await a.locator('canvas').boundingBox();
      const scale = Math.min(box.width / 1280, box.height / 720); // the logical screen, letterboxed
      const ox = box.x + (box.width - 1280 * scale) / 2;
      const oy = box.y + (box.height - 720 * scale) / 2;
      await a.mouse.move(ox + 360 * scale, oy + 360 * scale); // world (1000, 1000) in the 700x700 arena at (10, 10)
      const from = (await state(b)).ships.find((s) => s.id === sa.shipId);
      const want = (Math.round(Math.atan2(-(1000 - from.y), 1000 - from.x) / (2 * Math.PI) * 65536) + 65536) % 65536;
      const fired = await pressUntil(a, 'Space', "B seeing A's shot", (s) => s.shots >= 1, null, 10_000);
      const aimB = fired.ships.find((s) => s.id === sa.shipId).aim;
      const off = Math.min(Math.abs(aimB - want), 65536 - Math.abs(aimB - want));
      console.log(`B saw A aim ${aimB} (towards the centre: ${want}) and ${fired.shots} shot(s)`);
      assert.ok(off <= 1500, `A's aim as B sees it is ${aimB}, want about ${want}`);

      // Chat: Enter opens the line, type, Enter sends; B sees it with A's name.
      await pressUntil(a, 'Enter', 'chat line open', (s) => s.chatOpen);
      const line = 'hello from alice';
      await a.keyboard.type(line);
      await waitState(a, 'typed chat draft', (s, t) => s.chatDraft === t, line);
      await pressUntil(a, 'Enter', 'chat line closed', (s) => !s.chatOpen);
      const hasLine = (s, t) => s.chat.some((c) => c.from === 'Alice' && c.text === t);
      await waitState(b, 'the chat line in B', hasLine, line, 10_000);
      await waitState(a, 'the chat line echoed to A', hasLine, line, 10_000);

      // Full Unicode: a Cyrillic and Greek line, typed key by key (Ebiten
      // reads characters from keydown events).
      const unicodeLine = 'Привет, κόσμε! Ёж ΩΣ';
      await pressUntil(a, 'Enter', 'chat line open again', (s) => s.chatOpen);
      await typeKeys(a, unicodeLine);
      await waitState(a, 'typed unicode draft', (s, t) => s.chatDraft === t, unicodeLine);
      await pressUntil(a, 'Enter', 'chat line closed again', (s) => !s.chatOpen);
      await waitState(b, 'the unicode line in B', hasLine, unicodeLine, 10_000);
      console.log(`B saw A's line "${unicodeLine}"`);
      // B opens its chat line so every line shows (they fade during play), and
      // the net graph (F3), for the screenshot.
      await pressUntil(b, 'Enter', "B's chat line open", (s) => s.chatOpen);
      await b.keyboard.press('F3');

      // How the pages kept up: frames drawn per second, ping, inputs not yet applied.
      const playSecs = (Date.now() - playStarted) / 1000;
      for (const [i, p] of pages.entries()) {
        const s = await state(p);
        console.log(`${p.label}: ${((s.frames - framesAtStart[i]) / playSecs).toFixed(1)} frames/s over ${playSecs.toFixed(1)} s of play, ` +
          `ping ${s.pingMs} ms, tick ${s.tick}, inputs sent ${s.inputSeq}, applied ${s.ackSeq}`);
      }

      const shotA = await screenshot(a, 'match-a.png');
      const shotB = await screenshot(b, 'match-b.png');
      assertNotBlank(shotA);
      assertNotBlank(shotB);
      await pressUntil(b, 'Escape', "B's chat line closed", (s) => !s.chatOpen);

      // Reload A mid-match: the stored session signs in again without the
      // name screen, and the server resumes the match (MatchStart, chat
      // history, snapshots).
      const beforeReload = await state(a);
      const reloaded = Date.now();
      await a.reload({ waitUntil: 'commit' });
      await a.waitForFunction(() => window.arenaReady === true, null, { timeout: 60_000, polling: 20 });
      const resumed = await waitState(a, 'the match resumed after a reload',
        (s, { id, tick }) => s.screen === 'match' && s.matchId === id && s.online && s.tick > tick && s.ships.length === 2 &&
          s.drawnScreens.at(-1) === 'match',
        { id: sa.matchId, tick: beforeReload.tick }, 20_000);
      console.log(`A reloaded and resumed match ${resumed.matchId} at tick ${resumed.tick} in ${Date.now() - reloaded} ms (was at tick ${beforeReload.tick})`);
      assert.equal(resumed.name, 'Alice', 'the same player after the reload');
      // Not one frame of the menu (nor of any screen but the name screen's
      // "Signing in…") before the resumed match.
      assert.ok(!resumed.drawnScreens.includes('menu'),
        `screens drawn after the reload: ${JSON.stringify(resumed.drawnScreens)}`);
      console.log(`screens drawn after the reload: ${resumed.drawnScreens.join(' → ')}`);
      assert.equal(resumed.shipId, sa.shipId, 'the same ship after the reload');
      await waitState(a, 'the chat history after the reload', hasLine, line, 10_000);
      // Movement still works after the resume.
      const back = await state(a);
      const key2 = back.x < 1000 ? 'd' : 'a';
      await pressUntil(a, key2, "B seeing A's ship move after the resume",
        (s, { id, x }) => s.ships.some((sh) => sh.id === id && Math.abs(sh.x - x) >= 20),
        { id: sa.shipId, x: back.ships.find((sh) => sh.id === sa.shipId).x }, 10_000);

      // The duel ends on time: both see the results, then go back to the menu.
      const onResults = (s) => s.screen === 'results' && s.results && s.results.length === 2;
      const ra = await waitState(a, 'results screen', onResults, null, (matchSeconds + 20) * 1000);
      await waitState(b, 'results screen', onResults, null, 20_000);
      assert.deepEqual(ra.results.map((r) => r.name).sort(), ['Alice', 'Bob']);
      assert.equal(ra.matchId, sa.matchId);
      console.log(`results: ${ra.results.map((r) => `#${r.placement} ${r.name} ${r.kills}/${r.deaths} ${r.ratingChange >= 0 ? '+' : ''}${r.ratingChange}`).join(', ')}`);
      assertNotBlank(await screenshot(a, 'results-a.png'));
      await pressUntil(a, 'Enter', 'menu after results', (s) => s.screen === 'menu');

      const final = await state(a);
      assert.ok(final.frames > 0, 'frames were drawn');
      assert.equal(final.screen, 'menu');
      assert.deepEqual(errors, [], 'no page errors and no console errors');
    } finally {
      writeFileSync(outPath('browser.log'), logs.join('\n') + '\n');
    }
  } finally {
    await browser?.close().catch(() => {});
    await stopProcess(server.proc);
  }
});
