"""The one place that wires the write side: pool, unit of work, command dispatcher, presenter."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from psycopg_pool import ConnectionPool

from .adapters.database import database_reachable, open_pool, wait_for_database
from .adapters.idempotency import purge_idempotency_keys
from .adapters.unit_of_work import PostgresUnitOfWork
from .service_layer.dispatcher import CommandDispatcher, Presenter
from .settings import WriteApiSettings

log = logging.getLogger(__name__)


@dataclass
class WriteSide:
    """What a running write API holds for its lifetime."""

    settings: WriteApiSettings
    pool: ConnectionPool
    dispatcher: CommandDispatcher

    def database_reachable(self) -> bool:
        return database_reachable(self.pool, self.settings.write_api_health_timeout_s)

    def purge_expired_keys(self) -> int:
        retention = timedelta(seconds=self.settings.idempotency_key_retention_s)
        purged = purge_idempotency_keys(self.pool, retention)
        if purged:
            log.info("deleted %d idempotency keys older than %s", purged, retention)
        return purged

    def close(self) -> None:
        self.pool.close()


def bootstrap(settings: WriteApiSettings, presenter: Presenter) -> WriteSide:
    """Wait (bounded) for PostgreSQL, open the pool and build the dispatcher."""
    dsn = settings.database_url.get_secret_value()
    wait_for_database(dsn, settings.write_api_db_wait_s)
    pool = open_pool(
        dsn, settings.write_api_pool_min_size, settings.write_api_pool_max_size, settings.write_api_pool_timeout_s
    )
    log.info("write side connected (pool %d-%d)", settings.write_api_pool_min_size, settings.write_api_pool_max_size)
    dispatcher = CommandDispatcher(lambda: PostgresUnitOfWork(pool), presenter)
    return WriteSide(settings, pool, dispatcher)
