"""The Celery app. Configuration comes from Django settings (CELERY_* names).

The beat schedule lives here, in BEAT_SCHEDULE, and nowhere else. Beat runs with
django-celery-beat's DatabaseScheduler, which reads the schedule from the database so that
OPCC administrators can see, pause and re-time each entry in the admin (Periodic tasks).
`beat_schedule_install()` creates the rows for entries that do not exist yet; it runs
after every `manage.py migrate` and never overwrites an entry an administrator changed.
(BEAT_SCHEDULE is deliberately not `app.conf.beat_schedule`: the DatabaseScheduler would
write it over the administrators' changes each time beat starts.)
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oversight.settings")

app = Celery("oversight")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

BEAT_SCHEDULE = {
    # Every morning before the working day: record the reminders due from the state of
    # the database and mail one digest per person. Idempotent, so a day the scheduler
    # missed is caught up by the next run and nobody is reminded twice.
    "Reminders: daily sweep and digests": {
        "task": "recommendations.sweep_reminders",
        "schedule": crontab(minute=30, hour=6),
        "description": "Reminders due soon, due today, overdue and escalated; one digest "
        "per person. Weekly-digest users are mailed on Mondays.",
    },
    # Every two minutes: work the OPCC returned (an update, a proposed completion) is
    # notified and mailed at once to whoever must act, and its decisions on requests to move
    # a target date to whoever asked and the plan owner. Found by state, not queued by the
    # return or decision (recommendations cannot call reminders), so a missed run loses
    # nothing. (The entry keeps its name: administrators' changes are kept under it.)
    "Reminders: returned work": {
        "task": "reminders.notify_returns",
        "schedule": crontab(minute="*/2"),
        "description": "Returned progress updates and proposed completions: a notification "
        "and an e-mail with the reason to the author or proposer and the delivery lead. "
        "Requests to move a target date agreed or refused: the same to whoever asked and the "
        "plan owner.",
    },
    # Every five minutes: draft PDF renders asked for while the broker was down, or lost
    # with a worker that died, are sent to the worker again. Works from the letters' state
    # (queued or rendering for more than 10 minutes), so a missed run loses nothing.
    "Letters: re-send stalled PDF renders": {
        "task": "recommendations.requeue_stalled_letters",
        "schedule": crontab(minute="*/5"),
        "description": "Draft letters still waiting for their PDF 10 minutes after it was "
        "asked for are rendered again, as the person who asked.",
    },
}


def beat_schedule_install() -> list[str]:
    """Create the periodic-task rows missing for BEAT_SCHEDULE; returns their names."""
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import ModelEntry

    created = []
    for name, entry in BEAT_SCHEDULE.items():
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        schedule, schedule_field = ModelEntry.to_model_schedule(entry["schedule"])
        PeriodicTask.objects.create(
            name=name,
            task=entry["task"],
            description=entry["description"],
            **{schedule_field: schedule},
        )
        created.append(name)
    return created


def beat_schedule_install_after_migrate(**kwargs) -> None:
    beat_schedule_install()
