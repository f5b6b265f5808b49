"""Benchmark the chief constable's formal response letter (not a timed test).

Builds, in the database given by DATABASE_URL, a report with 40 recommendations in six
priority areas and an action plan of 120 actions (four updates each, three accepted; a
quarter of the actions with a revised target date), renders the letter the way the worker
does and prints the time and peak memory of each step. Everything it creates is rolled
back at the end, so the database is left as it was.

What the figures mean:

- total_seconds: the best run of the worker's job, snapshot + PDF (the "pdf" step renders
  the HTML itself; the "html" step is shown on its own only for information).
  first_run_seconds is the first render in the process, which also imports WeasyPrint.
- process_max_rss_mib: the peak resident memory of this process while it renders (the
  worker's situation: Django loaded, WeasyPrint imported on the first render). It is read
  from VmHWM in /proc/self/status, reset after the fixture data is built, so building the
  world does not count (build_max_rss_mib shows that), and taken before the tracemalloc
  run, whose bookkeeping would inflate it. Not getrusage's ru_maxrss: on Linux a process
  started by subprocess (vfork + exec) inherits its parent's high-water mark there, so
  under `make bench` it reported the parent's 700-odd MiB. Where /proc is missing,
  ru_maxrss is used and rss_source says so.
- peak_mib per step: Python heap only (tracemalloc), from a separate traced run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oversight .venv/bin/python \
        scripts/bench_letter.py [--runs 3] [--json]
"""

import argparse
import datetime
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oversight.settings")

RECOMMENDATIONS = 40
ACTIONS = 120
UPDATES_PER_ACTION = 4


class Rollback(Exception):
    """Raised on purpose to undo the benchmark's data."""


def build_world():
    from oversight.models import Force, InspectionReport, Office, PriorityArea, User
    from oversight.roles import roles_ensure_groups, user_set_role
    from recommendations.models import Action, ActionPlan, ProgressUpdate, Rag, Recommendation

    roles_ensure_groups()
    today = datetime.date.today()
    force = Force.objects.create(
        name="Benchmark Constabulary",
        chief_constable="Chief Constable Alex Morgan",
        address="Police Headquarters, 1 High Street, Anytown AN1 1AA",
    )
    office = Office.objects.create(
        name="Office of the Police and Crime Commissioner for Benchmarkshire",
        commissioner="Sam Taylor",
        address="1 Civic Square, Anytown AN1 2BB",
    )
    office.forces.add(force)
    staff = User.objects.create(
        username="bench-opcc",
        first_name="Olive",
        last_name="Bench",
        office=office,
        role=User.Role.OPCC_STAFF,
    )
    user_set_role(user=staff, role=User.Role.OPCC_STAFF)
    lead = User.objects.create(
        username="bench-lead",
        first_name="Lee",
        last_name="Bench",
        force=force,
        role=User.Role.POLICE_LEAD,
    )
    user_set_role(user=lead, role=User.Role.POLICE_LEAD)
    report = InspectionReport.objects.create(
        force=force,
        programme=InspectionReport.Programme.CHILD_PROTECTION,
        title="National child protection inspection: Benchmark Constabulary",
        published_on=today - datetime.timedelta(days=200),
    )
    areas = [
        PriorityArea.objects.create(report=report, position=n, title=f"Priority area {n}")
        for n in range(1, 7)
    ]
    recommendations = Recommendation.objects.bulk_create(
        Recommendation(
            report=report,
            reference=f"R{n}",
            position=n,
            text=f"Within three months, the force should improve practice number {n} so that "
            "children at risk are identified, recorded and protected consistently.",
            timescale=Recommendation.Timescale.THREE_MONTHS,
            status=Recommendation.Status.IN_PROGRESS,
        )
        for n in range(1, RECOMMENDATIONS + 1)
    )
    links = Recommendation.priority_areas.through
    links.objects.bulk_create(
        links(recommendation_id=rec.pk, priorityarea_id=areas[i % len(areas)].pk)
        for i, rec in enumerate(recommendations)
    )
    plan = ActionPlan.objects.create(
        report=report, force=force, owner=lead, status=ActionPlan.Status.ACTIVE
    )
    rags = [Rag.GREEN, Rag.AMBER, Rag.RED]
    actions = Action.objects.bulk_create(
        Action(
            plan=plan,
            reference=f"A{n}",
            description=f"Deliver improvement step {n}: train, audit and report to the board.",
            delivery_lead=lead,
            target_date=today + datetime.timedelta(days=n),
            revised_target_date=today + datetime.timedelta(days=n + 90) if n % 4 == 0 else None,
            revision_reason="Resourcing moved to the spring." if n % 4 == 0 else "",
            rag=rags[n % 3],
            status=Action.Status.IN_PROGRESS,
        )
        for n in range(1, ACTIONS + 1)
    )
    action_links = Action.recommendations.through
    action_links.objects.bulk_create(
        action_links(action_id=action.pk, recommendation_id=recommendations[i % RECOMMENDATIONS].pk)
        for i, action in enumerate(actions)
    )
    ProgressUpdate.objects.bulk_create(
        ProgressUpdate(
            action=action,
            author=lead,
            written_on=today - datetime.timedelta(days=30 * (UPDATES_PER_ACTION - k)),
            narrative=f"Update {k} on {action.reference}: milestones met, evidence with the "
            "safeguarding board, next audit booked.",
            rag=action.rag,
            percent_complete=20 * k,
            review_state=ProgressUpdate.Review.ACCEPTED
            if k < UPDATES_PER_ACTION
            else ProgressUpdate.Review.SUBMITTED,
            reviewed_by=staff if k < UPDATES_PER_ACTION else None,
        )
        for action in actions
        for k in range(1, UPDATES_PER_ACTION + 1)
    )
    return report, staff


def page_count(pdf: bytes) -> int:
    """Pages as poppler's pdfinfo reads them."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        info = subprocess.run(["pdfinfo", file.name], check=True, capture_output=True, text=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE)[1])


def _status_mib(field: str) -> float | None:
    """A memory figure of this process from /proc/self/status (Linux), in MiB."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    match = re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)
    return int(match[1]) / 1024 if match else None


def _reset_peak_rss() -> bool:
    """Start the process's peak RSS (VmHWM) afresh from the current RSS (Linux 4.0+)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def measure(step: str, function, *, trace: bool):
    """Time a step; with trace, also its peak Python heap (tracemalloc slows it down, so
    times are taken from untraced runs)."""
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    if trace:
        tracemalloc.stop()
    return result, {"step": step, "seconds": seconds, "peak_mib": peak / 2**20}


def _job_seconds(steps: list[dict]) -> float:
    """The worker's job: the snapshot, then the PDF (which renders the HTML itself)."""
    return sum(step["seconds"] for step in steps if step["step"] in ("snapshot", "pdf"))


def _rounded(mib: float | None) -> int | None:
    return None if mib is None else round(mib)


def one_run(letter, user, *, trace: bool) -> tuple:
    from letters.rendering import letter_render_html, letter_render_pdf
    from letters.snapshot import letter_build_snapshot

    snapshot, snap_step = measure(
        "snapshot", lambda: letter_build_snapshot(letter=letter, user=user), trace=trace
    )
    _, html_step = measure("html", lambda: letter_render_html(snapshot, is_draft=True), trace=trace)
    pdf, pdf_step = measure("pdf", lambda: letter_render_pdf(snapshot, is_draft=True), trace=trace)
    return [snap_step, html_step, pdf_step], pdf


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="Renders to time (best is kept).")
    parser.add_argument("--json", action="store_true", help="Print the results as JSON.")
    args = parser.parse_args()

    import django

    django.setup()
    import logging

    from django.db import transaction

    from letters.models import Letter
    from letters.services import letter_create

    logging.disable(logging.INFO)  # WeasyPrint logs every layout step at INFO
    results: dict = {}
    try:
        with transaction.atomic():
            report, staff = build_world()
            letter = letter_create(report=report, kind=Letter.Kind.FORMAL_RESPONSE, user=staff)
            build_max_rss = _status_mib("VmHWM")
            rss_before_render = _status_mib("VmRSS")
            peak_is_fresh = _reset_peak_rss()
            runs = [one_run(letter, staff, trace=False) for _ in range(max(args.runs, 1))]
            render_max_rss = _status_mib("VmHWM") if peak_is_fresh else None
            if render_max_rss is None:
                render_max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            best, pdf = min(runs, key=lambda run: _job_seconds(run[0]))
            traced, _ = one_run(letter, staff, trace=True)
            steps = [
                {
                    "step": timed["step"],
                    "seconds": round(timed["seconds"], 3),
                    "peak_mib": round(memory["peak_mib"], 1),
                }
                for timed, memory in zip(best, traced, strict=True)
            ]
            results = {
                "recommendations": RECOMMENDATIONS,
                "actions": ACTIONS,
                "updates": ACTIONS * UPDATES_PER_ACTION,
                "steps": steps,
                "total_seconds": round(_job_seconds(best), 3),
                "first_run_seconds": round(_job_seconds(runs[0][0]), 3),
                "pages": page_count(pdf),
                "pdf_kib": round(len(pdf) / 1024),
                "process_max_rss_mib": round(render_max_rss),
                "rss_before_render_mib": _rounded(rss_before_render),
                "build_max_rss_mib": _rounded(build_max_rss),
                "rss_source": "VmHWM" if peak_is_fresh else "ru_maxrss",
                "runs": len(runs),
            }
            raise Rollback
    except Rollback:
        pass

    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(
        f"Formal response letter: {results['recommendations']} recommendations, "
        f"{results['actions']} actions, {results['updates']} updates "
        f"(best of {results['runs']} runs)"
    )
    print(f"{'step':<10}{'seconds':>10}{'peak MiB (Python heap)':>26}")
    for step in results["steps"]:
        print(f"{step['step']:<10}{step['seconds']:>10.3f}{step['peak_mib']:>26.1f}")
    print(f"{'total':<10}{results['total_seconds']:>10.3f}  (snapshot + pdf; html is in pdf)")
    print(f"First render in the process (imports WeasyPrint): {results['first_run_seconds']:.3f} s")
    print(
        f"PDF: {results['pages']} pages, {results['pdf_kib']} KiB. "
        f"Peak RSS while rendering ({results['rss_source']}): "
        f"{results['process_max_rss_mib']} MiB (before rendering: "
        f"{results['rss_before_render_mib']} MiB; while building the data: "
        f"{results['build_max_rss_mib']} MiB)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
