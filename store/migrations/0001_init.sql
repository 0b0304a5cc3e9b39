-- 0001: the core tables. Portable SQL for SQLite and PostgreSQL; {{BYTES}}
-- is the byte-string type (BLOB, BYTEA) and {{ID}} the collation of ids (the
-- default binary order in SQLite, COLLATE "C" in PostgreSQL) so that ties on
-- a leaderboard order the same in both. Times are BIGINT Unix microseconds,
-- UTC. Statements end with ';' at the end of a line.

CREATE TABLE players (
	id        TEXT {{ID}} PRIMARY KEY,
	name      TEXT NOT NULL,
	created   BIGINT NOT NULL,
	last_seen BIGINT NOT NULL
);

CREATE TABLE ratings (
	player_id TEXT {{ID}} NOT NULL REFERENCES players (id),
	mode      TEXT NOT NULL,
	mu        DOUBLE PRECISION NOT NULL,
	sigma     DOUBLE PRECISION NOT NULL,
	display   INTEGER NOT NULL,
	matches   INTEGER NOT NULL,
	PRIMARY KEY (player_id, mode)
);

CREATE TABLE matches (
	match_id TEXT {{ID}} PRIMARY KEY,
	mode     TEXT NOT NULL,
	map      TEXT NOT NULL,
	started  BIGINT NOT NULL,
	ended    BIGINT NOT NULL,
	players  INTEGER NOT NULL
);

CREATE INDEX matches_ended ON matches (ended DESC, match_id DESC);

-- ended repeats matches.ended so that a player's latest matches are one
-- range of match_players_player.
CREATE TABLE match_players (
	match_id       TEXT {{ID}} NOT NULL REFERENCES matches (match_id),
	player_id      TEXT {{ID}} NOT NULL REFERENCES players (id),
	ended          BIGINT NOT NULL,
	team           INTEGER NOT NULL,
	placement      INTEGER NOT NULL,
	kills          INTEGER NOT NULL,
	deaths         INTEGER NOT NULL,
	mu_before      DOUBLE PRECISION NOT NULL,
	sigma_before   DOUBLE PRECISION NOT NULL,
	display_before INTEGER NOT NULL,
	matches_before INTEGER NOT NULL,
	mu_after       DOUBLE PRECISION NOT NULL,
	sigma_after    DOUBLE PRECISION NOT NULL,
	display_after  INTEGER NOT NULL,
	matches_after  INTEGER NOT NULL,
	PRIMARY KEY (match_id, player_id)
);

CREATE INDEX match_players_player ON match_players (player_id, ended DESC, match_id DESC);

CREATE TABLE server_keys (
	name    TEXT PRIMARY KEY,
	value   {{BYTES}} NOT NULL,
	created BIGINT NOT NULL
);
