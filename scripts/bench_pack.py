"""Benchmark the committee pack for a national reader (not a timed test).

In the database given by DATABASE_URL (filled by `manage.py seed_scale`), makes an office
overseeing every force with one OPCC staff member, a meeting three weeks ahead, and a pack
covering every force, then runs the worker's job (`letters.pack_jobs.pack_render`: the
register's rows, the previous meeting's statuses, the latest accepted updates, the
extensions, the trends, the PDF and, in a child process meanwhile, the workbook) and prints
its time and peak resident memory: the worker's (VmHWM, reset after Django is loaded), the
workbook child's (its ru_maxrss), and their sum, which the 500 MB target is held to.
Everything it creates, files included, is removed at the end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oversight_bench .venv/bin/python \
        scripts/bench_pack.py [--json]
"""

import argparse
import datetime
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oversight.settings")

TARGET_SECONDS, TARGET_MIB = 30, 500


class Rollback(Exception):
    """Raised on purpose to undo the benchmark's data."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ["PRIVATE_MEDIA_ROOT"] = tempfile.mkdtemp(prefix="bench-pack-")
    import django

    django.setup()
    from bench_letter import _status_mib  # scripts/bench_letter.py: VmHWM from /proc
    from django.db import transaction

    from letters.models import CommitteePack
    from letters.pack_jobs import pack_render
    from oversight.models import CommitteeMeeting, Force, Office, User
    from oversight.roles import roles_ensure_groups, user_set_role

    roles_ensure_groups()
    result = {}
    try:
        with transaction.atomic():
            office = Office.objects.create(name="Bench national office")
            office.forces.set(Force.objects.all())
            staff = User.objects.create(
                username="bench-pack-staff", office=office, role=User.Role.OPCC_STAFF
            )
            user_set_role(user=staff, role=User.Role.OPCC_STAFF)
            today = datetime.date.today()
            meeting = CommitteeMeeting.objects.create(
                office=office, committee="joint_audit", meets_on=today + datetime.timedelta(21)
            )
            pack = CommitteePack.objects.create(
                meeting=meeting,
                previous_meeting_on=today - datetime.timedelta(days=70),
                created_by=staff,
                render_state=CommitteePack.RenderState.QUEUED,
            )
            Path("/proc/self/clear_refs").write_text("5")  # peak RSS from here on
            start = time.perf_counter()
            pack_render(pack_id=pack.pk, user_id=staff.pk)
            seconds = time.perf_counter() - start
            pack.refresh_from_db()
            worker_mib = _status_mib("VmHWM") or 0
            child_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            result = {
                "name": f"committee pack, {office.forces.count()} forces (worker job)",
                "seconds": round(seconds, 2),
                "peak_rss_mib": round(worker_mib + child_mib, 1),
                "worker_peak_rss_mib": round(worker_mib, 1),
                "workbook_child_peak_rss_mib": round(child_mib, 1),
                "state": pack.render_state,
                "error": pack.render_error,
                "rows": pack.snapshot["counts"] if pack.snapshot else {},
                "pdf_kib": round(pack.pdf.size / 1024) if pack.pdf else 0,
                "xlsx_kib": round(pack.xlsx.size / 1024) if pack.xlsx else 0,
                "within_target": seconds <= TARGET_SECONDS and worker_mib + child_mib <= TARGET_MIB,
            }
            raise Rollback
    except Rollback:
        pass
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
