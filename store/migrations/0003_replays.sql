-- 0003: replays of finished matches (package replay's files), kept for the
-- newest matches only (PruneReplays).

CREATE TABLE replays (
	match_id TEXT {{ID}} PRIMARY KEY REFERENCES matches (match_id),
	ended    BIGINT NOT NULL,
	data     {{BYTES}} NOT NULL
);

CREATE INDEX replays_ended ON replays (ended DESC, match_id DESC);
