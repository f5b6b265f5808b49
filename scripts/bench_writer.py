"""Progress updates posted at a steady rate while `make bench` measures the cached pages.

Police leads' updates, through the service layer (`progress_update_submit`, as the update
form posts them: the action locked, the update and its history saved, the page cache's
generation bumped), on live actions of every force picked at random, at --rate a second
until stopped with SIGTERM or after --seconds. Prints "ready" once Django is loaded and the
actions are chosen (scripts/bench.py starts wrk then), and on stopping one JSON line:
updates posted, errors, the rate reached and the slowest post.

    DATABASE_URL=... CACHE_URL=... .venv/bin/python scripts/bench_writer.py --rate 10
"""

import argparse
import json
import os
import random
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oversight.settings")

CHOSEN_ACTIONS = 2000
stopping = False


def _stop(_signum, _frame) -> None:
    global stopping
    stopping = True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, required=True, help="Updates a second.")
    parser.add_argument("--seconds", type=float, default=600, help="Stop after this long.")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _stop)

    import django

    django.setup()
    from recommendations.models import Action, ActionPlan
    from recommendations.permissions import UPDATABLE_STATUSES
    from recommendations.services_progress import progress_update_submit

    # Live actions with a delivery lead, across every force (a fixed seed: the same
    # actions each run), with what the permission check and the service read.
    candidates = list(
        Action.objects.filter(
            status__in=UPDATABLE_STATUSES,
            delivery_lead__isnull=False,
            delivery_lead__is_active=True,
        )
        .exclude(plan__status=ActionPlan.Status.CLOSED)
        .select_related("plan", "delivery_lead")
        .order_by("pk")[: CHOSEN_ACTIONS * 5]
    )
    actions = random.Random(20).sample(candidates, min(CHOSEN_ACTIONS, len(candidates)))
    if not actions:
        raise SystemExit("No live action with a delivery lead to post updates on.")
    print("ready", flush=True)

    posted, errors, slowest = 0, 0, 0.0
    started = time.monotonic()
    next_at = started
    choose = random.Random(21)
    while not stopping and time.monotonic() - started < args.seconds:
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
            if stopping:
                break
        action = choose.choice(actions)
        began = time.monotonic()
        try:
            progress_update_submit(
                action=action,
                author=action.delivery_lead,
                narrative=f"Benchmark progress update {posted + 1}: work continues to plan.",
                rag=choose.choice(("green", "amber")),
                percent_complete=choose.randrange(10, 95),
            )
            posted += 1
        except Exception as error:  # counted, and the run goes on
            errors += 1
            print(f"update on action {action.pk} failed: {error}", file=sys.stderr)
        slowest = max(slowest, time.monotonic() - began)
        next_at += 1 / args.rate
    seconds = time.monotonic() - started
    print(
        json.dumps(
            {
                "posted": posted,
                "errors": errors,
                "seconds": round(seconds, 1),
                "rate": round(posted / seconds, 2) if seconds else 0,
                "slowest_ms": round(slowest * 1000, 1),
            }
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
