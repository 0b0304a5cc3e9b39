// gen.mjs writes openskill_pl.json: reference Plackett-Luce rating updates
// computed by npm's openskill (the JavaScript OpenSkill implementation), with
// its defaults (mu 25, sigma 25/3, beta 25/6, tau 25/300, kappa 1e-4).
// rating_test.go checks matchmaking.Rate against every case.
//
// Regenerate (needs Node and network once; nothing is installed in the repo):
//
//	mkdir -p /tmp/osgen && cd /tmp/osgen && npm init -y && npm install openskill@5.0.1
//	node /path/to/matchmaking/testdata/gen.mjs > /path/to/matchmaking/testdata/openskill_pl.json
//
// The script resolves openskill from the current directory, so run it there.
import { createRequire } from "node:module";
import path from "node:path";
import fs from "node:fs";

const require = createRequire(path.join(process.cwd(), "noop.js"));
const { rate, rating } = require("openskill");
const version = JSON.parse(
  fs.readFileSync(path.join(process.cwd(), "node_modules/openskill/package.json"), "utf8"),
).version;

// mulberry32: a tiny seeded PRNG so the cases are reproducible.
function mulberry32(seed) {
  return function () {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = mulberry32(20240605);
const randomRating = () => ({ mu: 10 + 30 * rnd(), sigma: 0.5 + 7.83 * rnd() });
const fresh = () => rating();
const teamsOf = (sizes, make) => sizes.map((n) => Array.from({ length: n }, make));
const shuffledRanks = (n) => {
  const r = Array.from({ length: n }, (_, i) => i + 1);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [r[i], r[j]] = [r[j], r[i]];
  }
  return r;
};

const cases = [];
function add(name, teams, ranks) {
  const opts = ranks ? { rank: ranks } : {};
  const expected = rate(teams, opts);
  cases.push({ name, teams, ranks: ranks ?? null, expected });
}

// Fresh players.
add("duel fresh", teamsOf([1, 1], fresh), [1, 2]);
add("duel fresh draw", teamsOf([1, 1], fresh), [1, 1]);
add("duel fresh no ranks", teamsOf([1, 1], fresh), null);
add("2v2 fresh", teamsOf([2, 2], fresh), [2, 1]);
add("ffa8 fresh", teamsOf(Array(8).fill(1), fresh), [1, 2, 3, 4, 5, 6, 7, 8]);
add("ffa16 fresh", teamsOf(Array(16).fill(1), fresh), shuffledRanks(16));

// Random ratings.
for (let i = 0; i < 6; i++) add(`duel random ${i}`, teamsOf([1, 1], randomRating), shuffledRanks(2));
for (let i = 0; i < 3; i++) add(`duel random draw ${i}`, teamsOf([1, 1], randomRating), [3, 3]);
for (let i = 0; i < 6; i++) add(`2v2 random ${i}`, teamsOf([2, 2], randomRating), shuffledRanks(2));
add("2v2 random draw", teamsOf([2, 2], randomRating), [1, 1]);
for (let i = 0; i < 4; i++) add(`ffa8 random ${i}`, teamsOf(Array(8).fill(1), randomRating), shuffledRanks(8));
for (let i = 0; i < 4; i++) add(`ffa16 random ${i}`, teamsOf(Array(16).fill(1), randomRating), shuffledRanks(16));

// Ties inside free-for-all and uneven teams.
add("ffa8 ties", teamsOf(Array(8).fill(1), randomRating), [1, 2, 2, 4, 5, 5, 5, 8]);
add("ffa16 ties", teamsOf(Array(16).fill(1), randomRating), [3, 1, 1, 4, 9, 9, 7, 8, 9, 10, 16, 12, 12, 14, 15, 16]);
add("ffa8 all tied", teamsOf(Array(8).fill(1), randomRating), Array(8).fill(1));
add("3 teams of 2 with tie", teamsOf([2, 2, 2], randomRating), [2, 1, 2]);
add("1 vs 2 short-handed", teamsOf([1, 2], randomRating), [1, 2]);
add("4 teams of 4", teamsOf([4, 4, 4, 4], randomRating), [4, 2, 3, 1]);
add("ranks with gaps", teamsOf([1, 1, 1], randomRating), [10, 20, 30]);

// One case per line keeps diffs of a regeneration readable.
const head = JSON.stringify({ generator: "gen.mjs", openskill: version, model: "PlackettLuce" });
const lines = cases.map((c) => "  " + JSON.stringify(c)).join(",\n");
process.stdout.write(head.slice(0, -1) + ',"cases":[\n' + lines + "\n]}\n");
