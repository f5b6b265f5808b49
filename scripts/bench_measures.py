"""In-process measures for `make bench` (imported by scripts/bench.py after django.setup()).

Picks the pages each persona uses most from the scale data, counts their queries, and
times the heavy jobs: the reminder sweep over every action, the chief constable's letter
for a report with 40 recommendations (scripts/bench_letter.py) and the streamed CSV export
of all 40,000 recommendations.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from oversight.models import InspectionReport, User
from recommendations.models import Action, ActionPlan, Recommendation
from reviews.scale_scenario import SCALE_PASSWORD

ROOT = Path(__file__).resolve().parent.parent


class Rollback(Exception):
    pass


def _pages() -> list[dict]:
    opcc = User.objects.get(username="scale-opcc-1")
    national = User.objects.get(username="scale-national")
    lead = User.objects.get(username="scale-lead-1-1")
    report = (
        InspectionReport.objects.filter(force=opcc.office.forces.first())
        .order_by("-published_on")
        .first()
    )
    recommendation = Recommendation.objects.filter(report=report).order_by("position").first()
    plan = ActionPlan.objects.get(report=report)
    action = plan.actions.order_by("pk")[0]
    lead_action = Action.objects.filter(delivery_lead=lead).order_by(
        "-plan__report__published_on", "pk"
    )[0]
    lead_plan = (
        ActionPlan.objects.filter(actions__delivery_lead=lead)
        .order_by("-report__published_on")
        .first()
    )
    register = reverse("recommendations:register")
    return [
        {"name": "dashboard", "persona": opcc, "path": reverse("recommendations:dashboard")},
        {
            "name": "dashboard (all forces)",
            "persona": national,
            "path": reverse("recommendations:dashboard"),
        },
        {"name": "register", "persona": opcc, "path": register},
        {
            "name": "register filtered",
            "persona": opcc,
            "path": f"{register}?status=in_progress&rag=red&overdue=true",
        },
        {"name": "register (all forces)", "persona": national, "path": register},
        {
            "name": "report detail",
            "persona": opcc,
            "path": reverse("recommendations:report_detail", args=[report.pk]),
        },
        {
            "name": "recommendation detail",
            "persona": opcc,
            "path": reverse("recommendations:recommendation_detail", args=[recommendation.pk]),
        },
        {
            "name": "action plan",
            "persona": opcc,
            "path": reverse("recommendations:plan_detail", args=[plan.pk]),
        },
        {
            "name": "action",
            "persona": opcc,
            "path": reverse("recommendations:action_detail", args=[action.pk]),
        },
        {"name": "my actions", "persona": lead, "path": reverse("recommendations:my_actions")},
        {
            "name": "action (lead)",
            "persona": lead,
            "path": reverse("recommendations:action_detail", args=[lead_action.pk]),
        },
        {
            "name": "action plan (lead)",
            "persona": lead,
            "path": reverse("recommendations:plan_detail", args=[lead_plan.pk]),
        },
        {"name": "review list", "persona": opcc, "path": reverse("reviews:review_list")},
    ]


CACHED_PATHS = {
    reverse("recommendations:register"),
    reverse("recommendations:dashboard"),
    reverse("recommendations:my_actions"),
}


def _count_queries(user: User, path: str) -> int:
    client = Client()
    client.force_login(user)
    client.get(path)  # warm: session, content types, templates
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code} for {user}")
    return len(queries)


def _sweep() -> list[dict]:
    from reminders.services import reminders_sweep

    results = []
    with CaptureQueriesContext(connection) as queries:
        started = time.monotonic()
        dry = reminders_sweep(dry_run=True)
        seconds = time.monotonic() - started
    results.append(
        {
            "name": "reminder sweep, dry run",
            "actions": Action.objects.count(),
            "seconds": round(seconds, 2),
            "queries": len(queries),
            "reminders": dry.created,
        }
    )
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    try:
        with transaction.atomic():
            with CaptureQueriesContext(connection) as queries:
                started = time.monotonic()
                real = reminders_sweep()
                seconds = time.monotonic() - started
            results.append(
                {
                    "name": "reminder sweep, recording and mailing (rolled back)",
                    "seconds": round(seconds, 2),
                    "queries": len(queries),
                    "reminders": real.created,
                    "digests": len(real.sent),
                }
            )
            raise Rollback
    except Rollback:
        pass
    return results


def _letter() -> dict:
    output = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench_letter.py"), "--runs", "2", "--json"],
        cwd=ROOT,
        env=os.environ,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    data = json.loads(output[output.index("{") :])
    return {
        "name": "chief constable letter (40 recommendations, 120 actions)",
        "seconds": data["total_seconds"],  # the best of the runs
        "first_render_seconds": data["first_run_seconds"],  # also imports WeasyPrint
        "peak_rss_mib": data["process_max_rss_mib"],
        "pages": data["pages"],
    }


def _csv() -> dict:
    output = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench_csv.py")],
        cwd=ROOT,
        env=os.environ,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    data = json.loads(output.strip().splitlines()[-1])
    return {"name": "CSV export, every recommendation (streamed, own process)", **data}


def _pack() -> dict:
    output = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench_pack.py"), "--json"],
        cwd=ROOT,
        env=os.environ,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def measure_all(*, jobs: bool = True) -> dict:
    pages = []
    for page in _pages():
        queries = _count_queries(page["persona"], page["path"])
        pages.append(
            {
                "name": page["name"],
                "persona": page["persona"].username,
                "path": page["path"],
                "queries": queries,
                # Served from the page cache (oversight/shared/pagecache.py) when unchanged.
                "page_cache": page["path"].split("?")[0] in CACHED_PATHS,
            }
        )
    measured_jobs = [*_sweep(), _csv(), _letter(), _pack()] if jobs else []
    return {"pages": pages, "jobs": measured_jobs, "password": SCALE_PASSWORD}
