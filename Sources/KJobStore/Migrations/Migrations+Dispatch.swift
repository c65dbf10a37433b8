extension Migrations {
    /// The dispatcher: `<schema>_dispatches` NOTIFY when an outbox row is written (payload: its id),
    /// and `first_attempt_at`, where the `relay.max_age` clock starts.
    static let dispatchNotify = Migration(
        version: 3, name: "dispatch notify",
        statements: [
            "ALTER TABLE {schema}.dispatches ADD COLUMN first_attempt_at timestamptz",
            """
            CREATE FUNCTION {schema}.notify_dispatches() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify(TG_TABLE_SCHEMA || '_dispatches', NEW.id::text);
                RETURN NULL;
            END $$
            """,
            """
            CREATE TRIGGER dispatches_notify AFTER INSERT ON {schema}.dispatches
                FOR EACH ROW WHEN (NEW.status = 'pending') EXECUTE FUNCTION {schema}.notify_dispatches()
            """
        ])
}
