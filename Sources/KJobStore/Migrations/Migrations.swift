/// The schema, in order. Append new migrations; never edit one that has shipped.
public enum Migrations {
    public static let all: [Migration] = [initial, cancelRequests, dispatchNotify, softDelete, audit, operatorControls, consoleSessions, consoleIndexes]

    static let runStatuses = "'queued','running','succeeded','failed','timed_out','cancelled','lost','skipped'"

    static let initial = Migration(
        version: 1, name: "initial schema",
        statements: [
            // The lease: one row. `epoch` is in a unique index so that bumping it takes FOR UPDATE
            // and waits for every fenced transaction holding FOR KEY SHARE (see FencedTransaction);
            // heartbeats only touch non-key columns and do not block them.
            """
            CREATE TABLE {schema}.leader (
                id            int PRIMARY KEY CHECK (id = 1),
                epoch         bigint NOT NULL UNIQUE,
                holder        text,
                holder_pid    int,
                since         timestamptz,
                heartbeat_at  timestamptz
            )
            """,
            "INSERT INTO {schema}.leader (id, epoch) VALUES (1, 0) ON CONFLICT DO NOTHING",
            """
            CREATE TABLE {schema}.nodes (
                id                text PRIMARY KEY,
                role              text NOT NULL CHECK (role IN ('starting','standby','active','stopped')),
                epoch             bigint,
                last_seen         timestamptz NOT NULL DEFAULT now(),
                clock_skew_ms     bigint,
                version           text NOT NULL DEFAULT '',
                pid               int,
                lock_backend_pid  int,
                http_url          text,
                started_at        timestamptz NOT NULL DEFAULT now()
            )
            """,
            """
            CREATE TABLE {schema}.jobs (
                id                 uuid PRIMARY KEY,
                tenant             text NOT NULL DEFAULT 'default',
                slug               text NOT NULL,
                spec               text NOT NULL,
                spec_json          jsonb,
                schedule           text NOT NULL,
                timezone           text NOT NULL DEFAULT 'UTC',
                enabled            boolean NOT NULL DEFAULT true,
                misfire_policy     text NOT NULL DEFAULT 'latest' CHECK (misfire_policy IN ('skip','latest','all')),
                misfire_window_ms  bigint NOT NULL DEFAULT 3600000 CHECK (misfire_window_ms >= 0),
                next_fire_at       timestamptz,
                last_fire_at       timestamptz,
                created_at         timestamptz NOT NULL DEFAULT now(),
                updated_at         timestamptz NOT NULL DEFAULT now(),
                UNIQUE (tenant, slug)
            )
            """,
            "CREATE INDEX jobs_due ON {schema}.jobs (next_fire_at) WHERE next_fire_at IS NOT NULL",
            """
            CREATE TABLE {schema}.job_dispatch_targets (
                job_id     uuid NOT NULL REFERENCES {schema}.jobs (id) ON DELETE CASCADE,
                position   int NOT NULL,
                channel    text NOT NULL,
                on_status  text[] NOT NULL DEFAULT '{}',
                PRIMARY KEY (job_id, position)
            )
            """,
            // A fire is (job_id, scheduled_for); attempt 1 of a scheduled fire exists once
            // (job_runs_fire_once). Retries are further attempts of the same fire_key. Manual runs
            // get their own fire_key ('manual:<uuid>').
            """
            CREATE TABLE {schema}.job_runs (
                id             uuid PRIMARY KEY,
                job_id         uuid NOT NULL REFERENCES {schema}.jobs (id) ON DELETE CASCADE,
                scheduled_for  timestamptz NOT NULL,
                fire_key       text NOT NULL,
                manual         boolean NOT NULL DEFAULT false,
                attempt        int NOT NULL DEFAULT 1 CHECK (attempt >= 1),
                status         text NOT NULL CHECK (status IN (\(runStatuses))),
                reason         text,
                node           text,
                epoch          bigint,
                queued_at      timestamptz NOT NULL DEFAULT now(),
                not_before     timestamptz,
                started_at     timestamptz,
                finished_at    timestamptz,
                exit_code      int,
                signal         int,
                log_bytes      bigint NOT NULL DEFAULT 0,
                log_truncated  boolean NOT NULL DEFAULT false,
                UNIQUE (job_id, fire_key, attempt)
            )
            """,
            "CREATE UNIQUE INDEX job_runs_fire_once ON {schema}.job_runs (job_id, scheduled_for) WHERE attempt = 1 AND NOT manual",
            "CREATE INDEX job_runs_queue ON {schema}.job_runs (not_before, queued_at) WHERE status = 'queued'",
            "CREATE INDEX job_runs_running ON {schema}.job_runs (epoch) WHERE status = 'running'",
            "CREATE INDEX job_runs_by_job ON {schema}.job_runs (job_id, scheduled_for DESC)",
            """
            CREATE TABLE {schema}.run_log_chunks (
                run_id  uuid NOT NULL REFERENCES {schema}.job_runs (id) ON DELETE CASCADE,
                seq     int NOT NULL,
                stream  text NOT NULL CHECK (stream IN ('stdout','stderr','system')),
                at      timestamptz NOT NULL DEFAULT now(),
                data    bytea NOT NULL,
                PRIMARY KEY (run_id, seq)
            )
            """,
            """
            CREATE TABLE {schema}.dispatches (
                id               uuid PRIMARY KEY,
                run_id           uuid NOT NULL REFERENCES {schema}.job_runs (id) ON DELETE CASCADE,
                channel          text NOT NULL,
                payload          jsonb NOT NULL,
                status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','delivered','failed','dead')),
                attempts         int NOT NULL DEFAULT 0,
                next_attempt_at  timestamptz NOT NULL DEFAULT now(),
                last_error       text,
                last_http_status int,
                created_at       timestamptz NOT NULL DEFAULT now(),
                delivered_at     timestamptz,
                UNIQUE (run_id, channel)
            )
            """,
            "CREATE INDEX dispatches_due ON {schema}.dispatches (next_attempt_at) WHERE status = 'pending'",
            """
            CREATE TABLE {schema}.api_tokens (
                id            uuid PRIMARY KEY,
                name          text NOT NULL UNIQUE,
                hash          bytea NOT NULL UNIQUE,
                role          text NOT NULL CHECK (role IN ('viewer','operator','admin')),
                tenant        text,
                created_at    timestamptz NOT NULL DEFAULT now(),
                last_used_at  timestamptz,
                revoked_at    timestamptz
            )
            """,
            // NOTIFY: <schema>_jobs when a job is created, deleted or edited (the API bumps
            // updated_at; the materializer advancing next_fire_at does not wake itself), and
            // <schema>_runs when a run is queued (new fire, retry, run-now).
            """
            CREATE FUNCTION {schema}.notify_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify(TG_TABLE_SCHEMA || '_jobs', COALESCE(NEW.id, OLD.id)::text);
                RETURN NULL;
            END $$
            """,
            """
            CREATE TRIGGER jobs_notify_insert_delete AFTER INSERT OR DELETE ON {schema}.jobs
                FOR EACH ROW EXECUTE FUNCTION {schema}.notify_jobs()
            """,
            """
            CREATE TRIGGER jobs_notify_update AFTER UPDATE ON {schema}.jobs
                FOR EACH ROW WHEN (OLD.updated_at IS DISTINCT FROM NEW.updated_at OR OLD.enabled IS DISTINCT FROM NEW.enabled)
                EXECUTE FUNCTION {schema}.notify_jobs()
            """,
            """
            CREATE FUNCTION {schema}.notify_runs() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify(TG_TABLE_SCHEMA || '_runs', NEW.id::text);
                RETURN NULL;
            END $$
            """,
            """
            CREATE TRIGGER job_runs_notify AFTER INSERT OR UPDATE OF status ON {schema}.job_runs
                FOR EACH ROW WHEN (NEW.status = 'queued') EXECUTE FUNCTION {schema}.notify_runs()
            """
        ])
}
