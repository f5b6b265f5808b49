"""Run the reminder sweep now, in this process (the Celery task runs the same service).

manage.py send_reminders                     record and mail today's reminders (and
                                             notify returned work, as beat does)
manage.py send_reminders --dry-run           print what would be sent; change nothing
manage.py send_reminders --today 2026-12-01  as if it were that day
"""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reminders.ledger import what_label
from reminders.models import Reminder
from reminders.services import SweepResult, reminders_sweep, returns_notify

ITEMS_SHOWN_PER_PERSON = 20


def parse_day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--today must be a date written YYYY-MM-DD, not {value!r}.") from error


class Command(BaseCommand):
    help = "Record today's reminders in the ledger and mail one digest per person."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print what would be recorded and sent, and the number of queries; "
            "change nothing.",
        )
        parser.add_argument("--today", type=parse_day, help="Sweep as of this day (YYYY-MM-DD).")

    def handle(self, *args, dry_run: bool, today: datetime.date | None, **options):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            result = reminders_sweep(today=today, dry_run=dry_run)
        elapsed = time.perf_counter() - started
        self.report(result)
        self.stdout.write(
            f"Queries: {len(queries)}. Time: {elapsed:.2f} s."
            + (" Dry run: nothing was recorded or sent." if dry_run else "")
        )
        if not dry_run:
            # Beat runs this every two minutes; here it needs no scheduler (development).
            returns = returns_notify().summary()
            self.stdout.write(
                f"Returned work: {returns['created']} new notification(s), "
                f"{returns['sent']} mailed, {returns['failed']} failed."
            )
        if result.failed:
            raise CommandError(
                f"{len(result.failed)} digest(s) could not be sent; they stay unsent and go "
                "with the next run. Check the mail settings (EMAIL_HOST, EMAIL_PORT)."
            )

    def report(self, result: SweepResult) -> None:
        verb = "would be new" if result.dry_run else "new"
        self.stdout.write(
            f"Reminders as of {result.today:%A %d %B %Y}: {result.planned} current, "
            f"{result.created} {verb}."
        )
        for digest in sorted(result.digests, key=lambda d: str(d.recipient)):
            address = digest.recipient.email or "no e-mail address"
            self.stdout.write(
                f"\n{digest.recipient} <{address}>: {len(digest.reminders)} reminder(s), "
                f"{digest.outcome}" + (f" ({digest.detail})" if digest.detail else "")
            )
            for reminder in digest.reminders[:ITEMS_SHOWN_PER_PERSON]:
                self.stdout.write(
                    f"  [{Reminder.Stage(reminder.stage).label}] {what_label(reminder.what)}: "
                    f"{reminder.title} "
                    f"(due {reminder.due_on:%d %b %Y})"
                )
            hidden = len(digest.reminders) - ITEMS_SHOWN_PER_PERSON
            if hidden > 0:
                self.stdout.write(f"  ... and {hidden} more")
        self.stdout.write("")
