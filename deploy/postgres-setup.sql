-- kjob's database, role and schema. Run once per cluster as a superuser (idempotent: re-running
-- only resets the password and re-applies the grants):
--
--   sudo -u postgres psql -v kjob_password="$(cat /etc/kjob/db-password)" -f deploy/postgres-setup.sql
--
-- Then on each node: postgres://kjob:<password>@<db-host>:5432/kjob in [postgres] url (or in
-- KJOBD_POSTGRES_URL in /etc/kjob/kjobd.env), and `kjobd migrate` (nodes also migrate on start).
--
-- pg_hba.conf, one line per node address (s.sched-1, s.sched-2), SCRAM only:
--   hostssl  kjob  kjob  10.0.3.11/32  scram-sha-256
--   hostssl  kjob  kjob  10.0.3.12/32  scram-sha-256
-- The lease needs a direct connection: no transaction-pooling PgBouncer between kjobd and Postgres
-- (kjobd detects a swapped backend and refuses leadership, DESIGN §6).
\set ON_ERROR_STOP on

\if :{?kjob_password}
\else
  DO $$ BEGIN RAISE EXCEPTION 'postgres-setup.sql: give the password: psql -v kjob_password=... -f deploy/postgres-setup.sql'; END $$;
\endif

-- The role: login only; no superuser, no createdb, no createrole.
SELECT 'CREATE ROLE kjob LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kjob') \gexec
ALTER ROLE kjob WITH LOGIN PASSWORD :'kjob_password';
-- A dead or cut-off node's sessions must not pile up (the lock session sets its own, stricter values).
ALTER ROLE kjob SET idle_in_transaction_session_timeout = '60s';

SELECT 'CREATE DATABASE kjob OWNER kjob ENCODING ''UTF8'' TEMPLATE template0'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'kjob') \gexec
REVOKE ALL ON DATABASE kjob FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE kjob TO kjob;

\connect kjob
-- kjob's tables live in schema kjob, owned by the role, created and migrated by `kjobd migrate`.
CREATE SCHEMA IF NOT EXISTS kjob AUTHORIZATION kjob;
ALTER SCHEMA kjob OWNER TO kjob;
GRANT USAGE, CREATE ON SCHEMA kjob TO kjob;
-- Other roles create nothing here (kjob owns the database, hence also public, as of PG 15).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER ROLE kjob IN DATABASE kjob SET search_path = kjob;

\echo 'postgres-setup.sql: role kjob, database kjob and schema kjob are ready; next: kjobd migrate'
