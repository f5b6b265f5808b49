"""Celery tasks: thin adapters that take ids and call a service.

Queue them with transaction.on_commit so a task never runs before its data is committed.
"""

# --- Reminders (issue 5) ---------------------------------------------------------------


# --- Letters (issue 6) -----------------------------------------------------------------
