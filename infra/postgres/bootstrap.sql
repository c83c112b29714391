-- readside: what the database needs before any migration, run once as the superuser.
-- Used by the native stack (infra/native/postgres.py) and by docker-compose (docker-entrypoint-initdb.d).
-- psql variables: app_user, app_password, app_db.
SELECT format('CREATE ROLE %I LOGIN REPLICATION CREATEDB PASSWORD %L', :'app_user', :'app_password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_user') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'app_user', :'app_password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'app_db', :'app_user')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'app_db') \gexec
\connect :app_db
-- Debezium writes heartbeats here (heartbeat.action.query), so an idle database still moves the slot.
CREATE TABLE IF NOT EXISTS public.debezium_heartbeat (
    id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    beat_at timestamptz NOT NULL DEFAULT now()
);
-- Ad-hoc / incremental snapshots are requested through this signal table.
CREATE TABLE IF NOT EXISTS public.debezium_signal (
    id varchar(64) PRIMARY KEY,
    type varchar(32) NOT NULL,
    data varchar(2048)
);
SELECT format('ALTER TABLE public.debezium_heartbeat OWNER TO %I', :'app_user') \gexec
SELECT format('ALTER TABLE public.debezium_signal OWNER TO %I', :'app_user') \gexec
SELECT format('GRANT CREATE ON SCHEMA public TO %I', :'app_user') \gexec
-- One publication for every table: tables created by later migrations are captured without a restart.
-- FOR ALL TABLES needs a superuser, which is why it lives here and not in the connector.
SELECT 'CREATE PUBLICATION readside_publication FOR ALL TABLES'
WHERE NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'readside_publication') \gexec
