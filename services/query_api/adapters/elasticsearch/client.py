"""The Elasticsearch client: creation, the start-up wait, health, and error translation.

This distribution has no root endpoint, so `info()`/`ping()` fail: reachability is asked of
`_cluster/health` instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from tenacity import AsyncRetrying, before_sleep_log, retry_if_exception_type, stop_after_delay, wait_exponential

from search_client import ApiError, AsyncElasticsearch, NotFoundError, TransportError, async_client

from ...domain.errors import InvalidQuery, ReadModelUnavailable

log = logging.getLogger(__name__)


def create_client(url: str, timeout_s: float, engine: str = "elasticsearch") -> AsyncElasticsearch:
    # A node that failed is tried again after at most a second, not the client's default 30 s: after a restart
    # of Elasticsearch, reads would otherwise answer 503 for half a minute while it is up.
    return async_client(
        engine,
        url,
        request_timeout=timeout_s,
        max_retries=1,
        retry_on_timeout=False,
        dead_node_backoff_factor=0.25,
        max_dead_node_backoff=1.0,
    )


async def wait_until_reachable(es: AsyncElasticsearch, timeout_s: float) -> None:
    """Block until the cluster answers its health endpoint, or raise the last error."""
    retrying = AsyncRetrying(
        retry=retry_if_exception_type((TransportError, ApiError)),
        stop=stop_after_delay(timeout_s),
        wait=wait_exponential(multiplier=0.1, max=2.0),
        before_sleep=before_sleep_log(log, logging.WARNING),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            await es.cluster.health()


async def cluster_status(es: AsyncElasticsearch, timeout_s: float) -> str | None:
    """ "green"/"yellow"/"red", or None if the cluster does not answer."""
    try:
        health = await es.options(request_timeout=timeout_s).cluster.health()
        return str(health["status"])
    except (TransportError, ApiError) as exc:
        log.warning("Elasticsearch health check failed: %s", exc)
        return None


def error_type(exc: ApiError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error")
    if isinstance(error, dict):
        causes = error.get("root_cause") or [error]
        return str(causes[0].get("type", error.get("type", "")))
    return str(exc.message)


@contextmanager
def translated_errors(what: str, index: str, refusal_is_client_fault: bool = False) -> Iterator[None]:
    """Turn client exceptions into domain errors: unreachable or failing → 503; a refused
    request → 422 where the client's input shaped it (a search: e.g. too many clauses from a
    huge query), else 503. Never a bare 500."""
    try:
        yield
    except TransportError as exc:  # connection refused, timeout, TLS: no HTTP answer at all
        log.warning("%s: Elasticsearch unreachable: %s", what, exc)
        raise ReadModelUnavailable(f"Elasticsearch is unreachable ({type(exc).__name__}); retry shortly") from exc
    except NotFoundError as exc:
        if error_type(exc) == "index_not_found_exception":
            raise ReadModelUnavailable(
                f"the read model index '{index}' does not exist yet; is the pipeline running?"
            ) from exc
        raise
    except ApiError as exc:
        if exc.status_code == 400 and refusal_is_client_fault:
            log.warning("%s: Elasticsearch refused the request: %s", what, exc)
            raise InvalidQuery(f"the search was refused as too complex or invalid ({error_type(exc)})") from exc
        log.warning("%s: Elasticsearch answered %s: %s", what, exc.status_code, exc)
        raise ReadModelUnavailable(
            f"Elasticsearch could not answer ({exc.status_code} {error_type(exc)}); retry shortly"
        ) from exc
