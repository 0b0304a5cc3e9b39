// Browser test: two Arena nodes joined through a real nats-server and one
// PostgreSQL (ARENA_TEST_NATS names the nats-server binary and
// ARENA_TEST_POSTGRES the database; `make browser-test` sets both). Page A
// loads node 1, page B node 2; they sign in, queue for a duel and are
// matched together. The match runs on one of the nodes: the page on the
// other follows it there (MatchFound names the node and a seat ticket)
// without leaving the match screen, both pages see both ships move, both
// show the results, and neither logs an error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadGame, openPages, outPath, queueAll, signInAs, startServer, stopProcess, waitState,
} from './harness.mjs';

const matchSeconds = 10;

/** A free loopback port: one the kernel hands out and takes back at once. */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolvePort(port));
    });
  });
}

/** Resolves once something accepts TCP connections on port, within 10 s. */
async function waitListening(port) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise((done) => {
      const c = createConnection({ host: '127.0.0.1', port }, () => { c.destroy(); done(true); });
      c.on('error', () => done(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port} after 10 s`);
    await new Promise((r) => setTimeout(r, 50)); // polling a port under a deadline
  }
}

test('two pages on two nodes play one duel', { timeout: 120_000 }, async (t) => {
  const natsBin = process.env.ARENA_TEST_NATS;
  const dsn = process.env.ARENA_TEST_POSTGRES;
  if (!natsBin || !dsn) {
    t.skip('ARENA_TEST_NATS and ARENA_TEST_POSTGRES are not set: make browser-test sets them');
    return;
  }
  const natsDir = mkdtempSync(join(tmpdir(), 'arena-e2e-nats-'));
  const natsPort = await freePort();
  const nats = spawn(natsBin, ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', natsDir], { stdio: 'ignore' });
  const modesFile = outPath('cluster-modes.json');
  writeFileSync(modesFile, JSON.stringify([{
    name: 'duel', teams: 2, players_per_team: 1, score_limit: 10, time_limit: `${matchSeconds}s`, friendly_fire: false,
  }]));
  const nodes = [];
  let browser;
  try {
    await waitListening(natsPort);
    for (const id of ['n1', 'n2']) {
      nodes.push(startServer(modesFile, `cluster-${id}.log`, {
        ARENA_NATS: `nats://127.0.0.1:${natsPort}`, ARENA_DB: dsn, ARENA_NODE_ID: id,
      }));
    }
    const urls = await Promise.all(nodes.map((n) => n.url));
    console.log(`nodes at ${urls.join(' and ')}`);

    const opened = await openPages(['page A', 'page B']);
    browser = opened.browser;
    const { pages, errors } = opened;
    const [a, b] = pages;
    await Promise.all(pages.map(async (p, i) => {
      await loadGame(p, urls[i]);
      await waitState(p, 'name screen', (s) => s.screen === 'name');
    }));
    await signInAs([[a, 'Nia'], [b, 'Nox']]);
    await queueAll([a, b]);

    // Both on the match screen, in the same match, one of them on the other node.
    const playing = (s) => s.screen === 'match' && s.matchId && s.phase === 'playing' && s.ships?.length === 2 && !s.moving;
    const [sa, sb] = await Promise.all([
      waitState(a, 'A playing', playing, null, 30_000),
      waitState(b, 'B playing', playing, null, 30_000),
    ]);
    assert.equal(sa.matchId, sb.matchId, 'one match');
    // The page that moved names the other page's node; the other stayed on its own ("").
    const ws = urls.map((u) => u.replace(/^http/, 'ws') + 'ws');
    const moved = [sa.node ?? '', sb.node ?? ''];
    assert.ok((moved[0] === ws[1] && moved[1] === '') || (moved[1] === ws[0] && moved[0] === ''),
      `one page moved to the other's node: ${JSON.stringify(moved)}, nodes ${JSON.stringify(ws)}`);
    console.log(`match ${sa.matchId}; nodes of the pages: ${JSON.stringify(moved)}`);

    // Both ships move on both pages.
    await a.keyboard.down('d');
    await b.keyboard.down('a');
    for (const [p, before] of [[a, sa], [b, sb]]) {
      await waitState(p, 'both ships moving', (s, ships) => s.screen === 'match' && s.ships.length === 2 &&
        s.ships.every((sh) => {
          const o = ships.find((x) => x.id === sh.id);
          return o && Math.hypot(sh.x - o.x, sh.y - o.y) > 30;
        }), before.ships, 10_000);
    }
    await a.keyboard.up('d');
    await b.keyboard.up('a');

    // The duel ends on time: both pages show the same results.
    const onResults = (s) => s.screen === 'results' && s.results?.length === 2;
    const [ra, rb] = await Promise.all([
      waitState(a, 'A results', onResults, null, (matchSeconds + 15) * 1000),
      waitState(b, 'B results', onResults, null, (matchSeconds + 15) * 1000),
    ]);
    assert.equal(ra.matchId, sa.matchId);
    assert.deepEqual(ra.results.map((r) => r.name).sort(), ['Nia', 'Nox']);
    assert.deepEqual(rb.results.map((r) => r.name).sort(), ['Nia', 'Nox']);
    assert.deepEqual(errors, [], 'no page errors and no console errors');
  } finally {
    await browser?.close();
    for (const n of nodes) await stopProcess(n.proc);
    await stopProcess(nats);
    rmSync(natsDir, { recursive: true, force: true });
  }
});
