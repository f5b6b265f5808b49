#!/usr/bin/env python
"""Benchmark the reminder sweep over many actions, in a throwaway database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oversight \\
        .venv/bin/python scripts/bench_reminders.py [--actions 100000] [--leads 1000] [--send]

Creates the database `bench_reminders_<name>` beside DATABASE_URL's, loads N live actions
with bulk_create (update and target dates spread over four months either side of today),
runs `manage.py send_reminders --dry-run` twice (the second with warm caches) and reports
its time and number of queries; with --send it then runs the real sweep (mail to the
locmem backend, nothing leaves the machine). The database is dropped at the end.
Not a timed test: the figures depend on the machine.
"""

import argparse
import datetime
import io
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oversight.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from oversight.models import Force, InspectionReport, Office, PriorityArea, User  # noqa: E402
from recommendations.models import Action, ActionPlan, Recommendation  # noqa: E402

BATCH = 5000


def load(*, actions: int, leads: int, today: datetime.date) -> None:
    office = Office.objects.create(name="Bench OPCC")
    forces = Force.objects.bulk_create(Force(name=f"Bench force {i}") for i in range(10))
    office.forces.add(*forces)
    opcc = User.objects.bulk_create(
        User(
            username=f"opcc{i}", email=f"opcc{i}@bench.localhost", role="opcc_staff", office=office
        )
        for i in range(5)
    )
    owners = User.objects.bulk_create(
        User(
            username=f"owner{f.pk}",
            email=f"owner{f.pk}@bench.localhost",
            role="plan_owner",
            force=f,
        )
        for f in forces
    )
    lead_users = User.objects.bulk_create(
        User(
            username=f"lead{i}",
            email=f"lead{i}@bench.localhost",
            role="police_lead",
            force=forces[i % len(forces)],
            manager=owners[i % len(forces)],
        )
        for i in range(leads)
    )
    reports = InspectionReport.objects.bulk_create(
        InspectionReport(
            force=force,
            programme="child_protection",
            title=f"Bench report {force.pk}",
            published_on=today - datetime.timedelta(days=400),
            action_plan_received_on=today - datetime.timedelta(days=360),
            section_55_published_on=today - datetime.timedelta(days=350),
            status="monitoring",
        )
        for force in forces
    )
    areas = PriorityArea.objects.bulk_create(
        PriorityArea(report=report, title="Missing children", opcc_lead=opcc[i % len(opcc)])
        for i, report in enumerate(reports)
    )
    recommendations = Recommendation.objects.bulk_create(
        Recommendation(report=report, reference="R1", text="Improve.") for report in reports
    )
    for recommendation, area in zip(recommendations, areas, strict=True):
        recommendation.priority_areas.add(area)
    plans = ActionPlan.objects.bulk_create(
        ActionPlan(report=report, force=report.force, owner=owner, status="active")
        for report, owner in zip(reports, owners, strict=True)
    )
    through = Action.recommendations.through
    for start in range(0, actions, BATCH):
        batch = []
        for i in range(start, min(start + BATCH, actions)):
            lead = lead_users[i % leads]
            plan = plans[(i % leads) % len(plans)]
            batch.append(
                Action(
                    plan=plan,
                    reference=f"A{i}",
                    description=f"Benchmark action number {i} with a realistic description.",
                    delivery_lead=lead,
                    target_date=today + datetime.timedelta(days=(i * 7) % 240 - 120),
                    next_update_due=today + datetime.timedelta(days=(i * 13) % 240 - 120),
                    status="in_progress",
                )
            )
        created = Action.objects.bulk_create(batch)
        through.objects.bulk_create(
            through(
                action_id=action.pk,
                recommendation_id=recommendations[plans.index(action.plan)].pk,
            )
            for action in created
        )


def timed_command(*args) -> tuple[float, int, str]:
    out = io.StringIO()
    started = time.perf_counter()
    call_command("send_reminders", *args, stdout=out)
    elapsed = time.perf_counter() - started
    output = out.getvalue()
    return elapsed, int(re.search(r"Queries: (\d+)\.", output)[1]), output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actions", type=int, default=100_000)
    parser.add_argument("--leads", type=int, default=1000)
    parser.add_argument("--send", action="store_true", help="also run the real sweep")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL server: the benchmark is about production.")

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = (
        f"bench_reminders_{settings.DATABASES['default']['NAME']}"
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        today = timezone.localdate()
        started = time.perf_counter()
        load(actions=args.actions, leads=args.leads, today=today)
        print(
            f"Loaded {args.actions} actions for {args.leads} leads in "
            f"{time.perf_counter() - started:.1f} s."
        )
        for label in ("cold", "warm"):
            elapsed, queries, output = timed_command("--dry-run")
            print(f"send_reminders --dry-run ({label}): {elapsed:.2f} s, {queries} queries")
        print(output.splitlines()[0])
        if args.send:
            elapsed, queries, output = timed_command()
            digests = output.count(", sent")
            print(f"send_reminders: {elapsed:.2f} s, {queries} queries, {digests} digests sent")
            elapsed, queries, _ = timed_command("--dry-run")
            print(f"send_reminders --dry-run after the sweep: {elapsed:.2f} s, {queries} queries")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
