package results

// migrations are the numbered schema changes; migration i brings a
// database from user_version i to i+1. Append, never edit: databases in the
// field have run the old ones.
var migrations = []string{
	// 1: the tables of DESIGN.md.
	`
CREATE TABLE sweeps (
	id        INTEGER PRIMARY KEY,
	name      TEXT NOT NULL,
	file_path TEXT NOT NULL,
	file_text TEXT NOT NULL,
	file_hash TEXT NOT NULL,
	created   TEXT NOT NULL,
	UNIQUE (name, file_hash)
);
CREATE TABLE trials (
	id              TEXT PRIMARY KEY,
	task            TEXT,
	method          TEXT,
	rank            INTEGER,
	seed            INTEGER NOT NULL,
	hparams         TEXT NOT NULL,   -- JSON object, keys sorted
	config          TEXT NOT NULL,   -- the whole resolved trial as JSON
	trainable       INTEGER,         -- analytic count
	percent_of_lora REAL,
	state           TEXT NOT NULL DEFAULT 'pending',
	in_file         INTEGER NOT NULL DEFAULT 1,
	created         TEXT NOT NULL,
	updated         TEXT NOT NULL
);
CREATE INDEX trials_state ON trials (state);
CREATE TABLE attempts (
	id            INTEGER PRIMARY KEY,
	trial         TEXT NOT NULL REFERENCES trials (id),
	number        INTEGER NOT NULL,
	executor      TEXT NOT NULL,
	slot          TEXT,
	job_id        TEXT,
	host          TEXT,
	pid           INTEGER,
	pid_start     INTEGER,          -- the process's start time in clock ticks since boot
	dir           TEXT NOT NULL,
	status        TEXT NOT NULL,    -- running, succeeded, failed, interrupted, cancelled
	started       TEXT NOT NULL,
	ended         TEXT,
	exit_code     INTEGER,
	error_kind    TEXT,
	error         TEXT,
	stderr_tail   TEXT,
	events_offset INTEGER NOT NULL DEFAULT 0,  -- bytes of events.jsonl ingested
	last_step     INTEGER,
	total_steps   INTEGER,
	done_status   TEXT,             -- what the worker's done event said
	params_trainable INTEGER,
	params_mismatch  INTEGER NOT NULL DEFAULT 0,
	checkpoint    TEXT,
	UNIQUE (trial, number)
);
CREATE INDEX attempts_status ON attempts (status);
-- Points arrive in bulk and in order: rows are appended, and the only
-- index (by attempt) grows at its end, which keeps ingestion cheap.
CREATE TABLE metrics (
	attempt INTEGER NOT NULL REFERENCES attempts (id),
	step    INTEGER NOT NULL,
	name    TEXT NOT NULL,
	value   REAL
);
CREATE INDEX metrics_attempt ON metrics (attempt);
CREATE TABLE scores (
	attempt INTEGER NOT NULL REFERENCES attempts (id),
	step    INTEGER NOT NULL,
	split   TEXT NOT NULL,
	metric  TEXT NOT NULL,
	value   REAL,
	source  TEXT NOT NULL,          -- worker: from an eval event; runner: scored from predictions
	PRIMARY KEY (attempt, split, metric, source, step)
);
CREATE TABLE events (
	id      INTEGER PRIMARY KEY,
	attempt INTEGER REFERENCES attempts (id),
	t       TEXT NOT NULL,
	kind    TEXT NOT NULL,
	body    TEXT NOT NULL
);
CREATE INDEX events_attempt ON events (attempt);
`,
	// 2: one orchestrator per sweep (lease), the database's identity
	// (meta.instance: attempt directories and the run directory name it),
	// and non-finite values: value NULL with nonfinite 'nan', 'inf' or
	// '-inf' (SQLite keeps no NaN).
	`
CREATE TABLE lease (
	id        INTEGER PRIMARY KEY CHECK (id = 1),
	token     TEXT NOT NULL,     -- random, the holder's proof
	host      TEXT NOT NULL,
	pid       INTEGER NOT NULL,
	pid_start INTEGER NOT NULL,  -- the holder's start time in clock ticks since boot
	since     TEXT NOT NULL,
	heartbeat INTEGER NOT NULL   -- Unix nanoseconds of the last renewal
);
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('instance', lower(hex(randomblob(16))));
ALTER TABLE metrics ADD COLUMN nonfinite TEXT;
ALTER TABLE scores ADD COLUMN nonfinite TEXT;
`,
	// 3: the version of the sweep binary that made each sweep and each
	// attempt (version.go): meta.version is the version of the
	// orchestrator that has the database open, and the triggers copy it
	// into each new row, so the statements that insert rows need not
	// know it.
	`
ALTER TABLE sweeps ADD COLUMN version TEXT;
ALTER TABLE attempts ADD COLUMN version TEXT;
CREATE TRIGGER sweeps_version AFTER INSERT ON sweeps BEGIN
	UPDATE sweeps SET version = (SELECT value FROM meta WHERE key = 'version') WHERE id = NEW.id;
END;
CREATE TRIGGER attempts_version AFTER INSERT ON attempts BEGIN
	UPDATE attempts SET version = (SELECT value FROM meta WHERE key = 'version') WHERE id = NEW.id;
END;
`,
	// 4: what later stages need of the sweep file, resolved when it is
	// synced (so nothing after the loader reads YAML again): the selection
	// rule, each task's primary value key (the score a report prints),
	// and each attempt's worker provenance (its start event: Python,
	// torch, transformers, CUDA, GPU), as JSON.
	`
ALTER TABLE sweeps ADD COLUMN select_split TEXT;
ALTER TABLE sweeps ADD COLUMN select_metric TEXT;
ALTER TABLE sweeps ADD COLUMN select_goal TEXT;
CREATE TABLE task_keys (
	sweep     INTEGER NOT NULL REFERENCES sweeps (id),
	task      TEXT NOT NULL,
	value_key TEXT NOT NULL,
	PRIMARY KEY (sweep, task)
);
ALTER TABLE attempts ADD COLUMN worker TEXT;
`,
	// 5: each test example's additive statistics of the runner's score
	// (tasks/metrics' per-case statistics, a JSON array), so a report can
	// resample examples for a paired significance test.
	`
CREATE TABLE example_stats (
	attempt INTEGER NOT NULL REFERENCES attempts (id),
	split   TEXT NOT NULL,
	step    INTEGER NOT NULL,
	example TEXT NOT NULL,
	metric  TEXT NOT NULL,   -- the tasks/metrics metric: bleu, rouge, squad…
	stats   TEXT NOT NULL,   -- JSON array of numbers
	PRIMARY KEY (attempt, split, step, example, metric)
);
`,
	// 6: views for readers with their own SQL (pandas, sqlite3;
	// docs/results-frame.md): each succeeded attempt's latest score per
	// split and metric, and one row per trial of the current file, as
	// Store.TrialResults reads them. No window functions, so that an old
	// sqlite3 still reads the schema.
	`
CREATE VIEW trial_scores AS
SELECT a.trial AS trial, s.attempt AS attempt, s.split AS split, s.metric AS metric,
	s.value AS value, s.nonfinite AS nonfinite, s.step AS step, s.source AS source
FROM scores s JOIN attempts a ON a.id = s.attempt JOIN trials t ON t.id = a.trial
WHERE a.status = 'succeeded' AND t.in_file = 1 AND (s.value IS NOT NULL OR s.nonfinite IS NOT NULL)
	AND NOT EXISTS (
		SELECT 1 FROM scores o WHERE o.attempt = s.attempt AND o.split = s.split AND o.metric = s.metric
			AND (o.value IS NOT NULL OR o.nonfinite IS NOT NULL)
			AND ((o.source = 'runner') > (s.source = 'runner')
				OR ((o.source = 'runner') = (s.source = 'runner') AND o.step > s.step)));
CREATE VIEW trial_results AS
SELECT t.id AS trial, t.task AS task, t.method AS method, t.rank AS rank, t.seed AS seed,
	t.hparams AS hparams, t.trainable AS trainable, t.state AS state,
	(SELECT count(*) FROM attempts n WHERE n.trial = t.id) AS attempts,
	a.id AS attempt, k.metric AS metric,
	(SELECT v.value FROM trial_scores v WHERE v.attempt = a.id AND v.split = 'validation' AND v.metric = k.metric) AS validation,
	(SELECT v.value FROM trial_scores v WHERE v.attempt = a.id AND v.split = 'test' AND v.metric = k.metric) AS test,
	a.last_step AS steps,
	round((julianday(a.ended) - julianday(a.started)) * 86400, 3) AS wall_s
FROM trials t
LEFT JOIN attempts a ON a.id = (
	SELECT b.id FROM attempts b WHERE b.trial = t.id ORDER BY b.status = 'succeeded' DESC, b.number DESC LIMIT 1)
LEFT JOIN (
	SELECT tk.task AS task, coalesce(
		(SELECT value_key FROM task_keys WHERE sweep = (SELECT max(id) FROM sweeps) AND task = tk.task),
		(SELECT s.metric FROM scores s JOIN attempts x ON x.id = s.attempt JOIN trials y ON y.id = x.trial
			WHERE y.task = tk.task AND s.split = 'test' ORDER BY s.metric = 'loss', s.metric LIMIT 1)) AS metric
	FROM (SELECT DISTINCT task FROM trials WHERE in_file = 1) tk
) k ON k.task = t.task
WHERE t.in_file = 1
ORDER BY t.rowid;
`,
	// 7: early stopping (docs/early-stopping.md). Every decision of the
	// rule about a trial at a step: continue, stop (the trial becomes
	// pruned) or promote (a pruned trial resumes); a restarted
	// orchestrator rebuilds its groups from these and the stored
	// validation values, so no decision is lost or taken twice. And the
	// step of each attempt's last checkpoint and of the checkpoint it
	// resumed from, so that the steps a sweep trained are known
	// (Store.StepsTrained).
	`
ALTER TABLE attempts ADD COLUMN checkpoint_step INTEGER;
ALTER TABLE attempts ADD COLUMN resume_step INTEGER;
CREATE TABLE early_stops (
	trial  TEXT NOT NULL REFERENCES trials (id),
	step   INTEGER NOT NULL,
	action TEXT NOT NULL,   -- continue, stop, promote
	reason TEXT,
	t      TEXT NOT NULL,
	PRIMARY KEY (trial, step, action)
);
`,
}
