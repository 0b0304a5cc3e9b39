-- 0002: the leaderboard index and chat reports.

-- A leaderboard page is one range scan of this index: the order is its key,
-- and matches (for the minimum-matches filter), mu and sigma are in it, so
-- skipping to an offset reads no table rows.
CREATE INDEX ratings_leaderboard ON ratings (mode, display DESC, player_id, matches, mu, sigma);

-- lines is a JSON array of strings.
CREATE TABLE chat_reports (
	id       TEXT PRIMARY KEY,
	reporter TEXT NOT NULL,
	reported TEXT NOT NULL,
	channel  TEXT NOT NULL,
	reason   TEXT NOT NULL,
	lines    TEXT NOT NULL,
	at       BIGINT NOT NULL
);

CREATE INDEX chat_reports_reported ON chat_reports (reported, at);
