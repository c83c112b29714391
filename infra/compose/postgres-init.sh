#!/usr/bin/env bash
# readside: first-init hook of the official postgres image (mounted into /docker-entrypoint-initdb.d by
# docker-compose.yml). The image runs it once, on an empty data volume, as the superuser against its
# socket-only temporary server, so nothing can connect before the bootstrap is done.
# It runs the same bootstrap the native stack runs (infra/postgres/bootstrap.sql): the app role with
# REPLICATION, the app database, the Debezium heartbeat/signal tables and the publication.
set -Eeo pipefail

: "${READSIDE_POSTGRES_PASSWORD:?set READSIDE_POSTGRES_PASSWORD (the readside role password)}"

psql -v ON_ERROR_STOP=1 --no-psqlrc \
    --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
    -v app_user=readside \
    -v app_password="$READSIDE_POSTGRES_PASSWORD" \
    -v app_db=readside \
    -f /readside/bootstrap.sql
