"""State of the parts the site depends on, for /healthz/ and the "background work is
delayed" banner."""

from django.conf import settings
from django.db import connection


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any driver error means "down"; the message says why
        return f"down: {error.__class__.__name__}"
    return "ok"


def broker_state() -> str:
    """ "ok", "eager" (no broker configured: tasks run in the web process) or "down: …"."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    from oversight.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=1)
    except Exception as error:  # kombu raises several transport-specific errors
        return f"down: {error.__class__.__name__}"
    return "ok"
