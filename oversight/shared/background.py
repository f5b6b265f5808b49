"""Queueing background work so that a broker outage delays work but never loses it.

Tasks are queued only after the transaction commits. If the broker cannot be reached,
the failure is logged and the request carries on: every task in this project works from
the state in the database (a letter marked "queued", a reminder not yet in the ledger), and
the periodic sweeps pick that state up again once the broker is back.

After a failure the broker is taken as down for BROKER_RETRY_SECONDS, so requests made in
that window do not each wait for a connection timeout.
"""

import logging
import time

from django.conf import settings

logger = logging.getLogger(__name__)

BROKER_RETRY_SECONDS = 30
_state = {"down_until": 0.0, "checked_at": 0.0, "down": False}


def enqueue(task, *args, **kwargs) -> None:
    """Queue `task` with `args` once the current transaction commits."""
    from django.db import transaction

    transaction.on_commit(lambda: send_now(task, *args, **kwargs))


def send_now(task, *args, **kwargs) -> bool:
    """Send `task` to the broker at once; False (and a log line) if the broker is down."""
    if not settings.CELERY_TASK_ALWAYS_EAGER and time.monotonic() < _state["down_until"]:
        logger.warning(
            "Broker marked down, %s not queued; the next sweep will catch up.", task.name
        )
        return False
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=False)
    except Exception as error:  # kombu raises transport-specific errors; all mean "not queued"
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise  # in-process: a failure is the task's own, not the broker's
        _mark_down()
        logger.warning(
            "Broker unavailable, %s not queued (%s); the next sweep will catch up.",
            task.name,
            error,
        )
        return False
    return True


def _mark_down() -> None:
    now = time.monotonic()
    _state.update(down_until=now + BROKER_RETRY_SECONDS, checked_at=now, down=True)


def background_work_delayed() -> bool:
    """True while the broker is configured but unreachable (checked at most every 30 s)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return False
    now = time.monotonic()
    if now - _state["checked_at"] >= BROKER_RETRY_SECONDS:
        from oversight.shared.health import broker_state

        down = broker_state() != "ok"
        _state.update(
            checked_at=now, down=down, down_until=now + BROKER_RETRY_SECONDS if down else 0.0
        )
    return _state["down"]


def reset_broker_state() -> None:
    """Forget what is known about the broker (tests, and after reconfiguring it)."""
    _state.update(down_until=0.0, checked_at=0.0, down=False)
