// Browser test: two headless Chromium pages pick "teams" on the menu and
// play a 2v2 with two load bots (bin/arena-bots) through the real server.
// Page A sends a team chat line, then a match line; page B must get the team
// line exactly when the matchmaker put it on A's team. Every wait is a
// waitForFunction on window.arenaState with a deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import {
  assertNotBlank, clickUntil, loadGame, openPages, outPath, pressUntil, screenshot, startBots, startServer, stopProcess,
  waitState,
} from './harness.mjs';

// The modes the server offers, in this order: the menu selects duel first.
// The 2v2 is shortened so a match left running ends soon after the test.
const teamsSeconds = 40;
const modes = [
  { name: 'duel', teams: 2, players_per_team: 1, score_limit: 10, time_limit: '45s', friendly_fire: false },
  { name: 'teams', teams: 2, players_per_team: 2, score_limit: 20, time_limit: `${teamsSeconds}s`, friendly_fire: false },
  { name: 'ffa', teams: 8, players_per_team: 1, score_limit: 15, time_limit: '60s', friendly_fire: false },
];
const wantLabels = ['duel · 1v1', 'teams · 2v2', 'ffa · 8 players'];

// Where the menu draws the teams button (client/ui/lobby.go, modeGrid): the
// second of three 250x48 buttons centred in a row from y 200, so the middle
// of the 1280-wide logical screen.
const teamsButton = { x: 640, y: 224 };

test('two browsers pick teams, play a 2v2 with two bots, and team chat reaches only the team', { timeout: 150_000 }, async () => {
  const started = Date.now();
  const modesFile = outPath('teams-modes.json');
  writeFileSync(modesFile, JSON.stringify(modes));
  const server = startServer(modesFile, 'teams-server.log');
  let browser;
  let bots;
  try {
    const url = await server.url;
    console.log(`server at ${url}`);
    const opened = await openPages(['page A', 'page B']);
    browser = opened.browser;
    const { pages, logs, errors } = opened;
    const [a, b] = pages;

    try {
      for (const p of pages) {
        await loadGame(p, url);
        await waitState(p, 'name screen', (s) => s.screen === 'name');
      }
      for (const [p, name] of [[a, 'Ann'], [b, 'Ben']]) {
        await p.keyboard.type(name);
        await pressUntil(p, 'Enter', 'menu screen', (s, n) => s.screen === 'menu' && s.name === n, name);
      }

      // The menu lists the server's modes, duel selected. A picks teams with
      // the arrow keys, B with a click.
      for (const p of pages) {
        const menu = await waitState(p, "the server's modes", (s) => s.modesState === 'loaded');
        assert.deepEqual(menu.modes.map((m) => m.label), wantLabels, `${p.label}'s menu`);
        assert.equal(menu.selectedMode, 'duel', `${p.label} selects duel first`);
      }
      await pressUntil(a, 'ArrowRight', 'teams selected with the arrow key', (s) => s.selectedMode === 'teams');
      await clickUntil(b, teamsButton.x, teamsButton.y, 'teams selected with a click', (s) => s.selectedMode === 'teams');
      assertNotBlank(await screenshot(a, 'teams-menu-a.png'));

      // Enter queues for teams; two load bots take the other two seats. The
      // order of the queue decides the split among equal ratings, so it
      // varies from run to run (E2E_TEAMS_ORDER=pages-first or bots-between
      // picks one): both pages before the bots, or the bots between them.
      // The assertions below hold either way; they read the teams from the
      // match.
      const order = process.env.E2E_TEAMS_ORDER || (Math.random() < 0.5 ? 'pages-first' : 'bots-between');
      assert.ok(['pages-first', 'bots-between'].includes(order), `E2E_TEAMS_ORDER=${order}`);
      const queue = async (p) => {
        const q = await pressUntil(p, 'Enter', 'the teams queue', (s) => s.screen === 'queue' && s.mode === 'teams');
        console.log(`${p.label} queued for ${q.mode}`);
      };
      const startTwoBots = () => {
        bots = startBots(['-server', url.replace(/\/$/, ''), '-bots', '2', '-mode', 'teams', '-duration', '60s'], 'teams-bots.log');
        bots.exited.then((code) => console.log(`arena-bots exited (${code})`));
      };
      console.log(`queue order: ${order}`);
      await queue(a);
      if (order === 'pages-first') {
        await queue(b);
        await waitState(b, 'both pages in the teams queue', (s) => s.screen === 'queue' && s.queuePlayers >= 2, null, 10_000);
        assertNotBlank(await screenshot(b, 'teams-queue-b.png'));
        startTwoBots();
      } else {
        assertNotBlank(await screenshot(a, 'teams-queue-a.png'));
        startTwoBots();
        await waitState(a, 'the bots in the teams queue', (s) => s.screen === 'queue' && s.queuePlayers >= 3, null, 15_000);
        await queue(b);
      }
      const inMatch = (s) => s.screen === 'match' && s.mode === 'teams' && s.teamPlay && s.shipId > 0 && s.team > 0 &&
        s.ships.length === 4;
      const [sa, sb] = [await waitState(a, 'the 2v2', inMatch, null, 30_000), await waitState(b, 'the 2v2', inMatch, null, 30_000)];
      assert.equal(sa.matchId, sb.matchId, 'both pages are in the same match');
      assert.notEqual(sa.shipId, sb.shipId);
      // Each page's own team agrees with the other page's snapshot.
      assert.equal(sb.ships.find((s) => s.id === sa.shipId)?.team, sa.team, "A's team as B's snapshot has it");
      assert.equal(sa.ships.find((s) => s.id === sb.shipId)?.team, sb.team, "B's team as A's snapshot has it");
      const together = sa.team === sb.team;
      console.log(`match ${sa.matchId} (${Math.round((Date.now() - started) / 1000)} s in): Ann is ship ${sa.shipId} on team ${sa.team}, ` +
        `Ben is ship ${sb.shipId} on team ${sb.team}: ${together ? 'SAME team' : 'OPPOSING teams'}; ` +
        `ships ${sa.ships.map((s) => `${s.name}:${s.team}`).join(' ')}`);

      // A: Enter opens the chat line, Tab switches it to the team, type, Enter.
      const teamLine = `team only ${sa.matchId.slice(0, 6)}`;
      await pressUntil(a, 'Enter', 'chat line open', (s) => s.chatOpen && s.chatChannel === 'match');
      await pressUntil(a, 'Tab', 'team chat selected', (s) => s.chatChannel === 'team');
      await a.keyboard.type(teamLine);
      await waitState(a, 'typed team draft', (s, t) => s.chatDraft === t, teamLine);
      await pressUntil(a, 'Enter', 'team line sent', (s) => !s.chatOpen);
      const isTeamLine = (c, { text, team }) => c.text === text && c.from === 'Ann' && c.channel === 'team' && c.team === team;
      await waitState(a, 'the team line echoed to A',
        (s, arg) => s.chat.some((c) => c.text === arg.text && c.from === 'Ann' && c.channel === 'team' && c.team === arg.team),
        { text: teamLine, team: sa.team }, 10_000);

      // Then a line to the whole match: Tab back to match chat.
      const marker = 'marker';
      await pressUntil(a, 'Enter', 'chat line open again', (s) => s.chatOpen && s.chatChannel === 'team');
      await pressUntil(a, 'Tab', 'match chat selected', (s) => s.chatChannel === 'match');
      await a.keyboard.type(marker);
      await waitState(a, 'typed marker draft', (s, t) => s.chatDraft === t, marker);
      await pressUntil(a, 'Enter', 'marker sent', (s) => !s.chatOpen);

      // B gets the marker. The server delivers a player's lines in order, so
      // B's log as the marker arrives already holds the team line if it was
      // ever coming.
      const atMarker = await waitState(b, 'the marker in B',
        (s, t) => s.chat.some((c) => c.text === t && c.from === 'Ann' && c.channel === 'match'), marker, 10_000);
      const markerAt = atMarker.chat.findIndex((c) => c.text === marker && c.from === 'Ann');
      const teamLines = atMarker.chat.filter((c) => c.text === teamLine);
      if (together) {
        assert.equal(teamLines.length, 1, `B, on A's team, got the team line once: ${JSON.stringify(atMarker.chat)}`);
        assert.ok(isTeamLine(teamLines[0], { text: teamLine, team: sa.team }), `the line is on the TEAM channel from A's team: ${JSON.stringify(teamLines[0])}`);
        assert.ok(atMarker.chat.indexOf(teamLines[0]) < markerAt, 'the team line came before the marker');
        console.log(`same team: B got "${teamLine}" on the team channel (team ${teamLines[0].team}) before "${marker}"`);
      } else {
        assert.deepEqual(teamLines, [], `B, on the other team, never got the team line: ${JSON.stringify(atMarker.chat)}`);
        assert.ok(atMarker.chat.every((c) => c.channel !== 'team' || c.team === sb.team),
          `B saw no other team's team lines: ${JSON.stringify(atMarker.chat)}`);
        console.log(`opposing teams: B got "${marker}" and, as it should, not "${teamLine}" (${atMarker.chat.length} lines in its log)`);
      }

      // The 2v2 on screen: B with its chat line open, so every line shows.
      await pressUntil(b, 'Enter', "B's chat line open", (s) => s.chatOpen);
      const shotA = await screenshot(a, 'teams-match-a.png');
      const shotB = await screenshot(b, 'teams-match-b.png');
      assertNotBlank(shotA);
      assertNotBlank(shotB);
      await pressUntil(b, 'Escape', "B's chat line closed", (s) => !s.chatOpen);

      assert.deepEqual(errors, [], 'no page errors and no console errors');
      console.log(`teams test done in ${Math.round((Date.now() - started) / 1000)} s`);
    } finally {
      writeFileSync(outPath('teams-browser.log'), logs.join('\n') + '\n');
    }
  } finally {
    await stopProcess(bots?.proc);
    await browser?.close().catch(() => {});
    await stopProcess(server.proc);
  }
});
