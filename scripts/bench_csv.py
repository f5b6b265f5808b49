"""Benchmark the register's CSV export of every recommendation (not a timed test).

Run in a process of its own by `make bench` (scripts/bench_measures.py), so that what it
reports is this export's memory, not what earlier measures left behind. Signs in as the
national reader of the scale data, streams the whole register as CSV through the real
view and prints, as JSON: rows, size, seconds, and the process's resident memory before
the first row, at its highest while streaming, and after the last row (sampled every
2,000 rows): flat memory means the rows are streamed, not built up.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oversight_bench \\
        .venv/bin/python scripts/bench_csv.py
"""

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oversight.settings")

SAMPLE_EVERY = 2000


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> int:
    import django

    django.setup()
    from django.test import Client
    from django.urls import reverse

    from oversight.models import User

    client = Client()
    client.force_login(User.objects.get(username="scale-national"))
    before = rss_mib()
    samples = []
    rows = size = 0
    next_sample = SAMPLE_EVERY
    started = time.monotonic()
    response = client.get(reverse("recommendations:register_csv"))
    if response.status_code != 200:
        raise SystemExit(f"The CSV export answered {response.status_code}")
    for chunk in response.streaming_content:
        rows += chunk.count(b"\n")
        size += len(chunk)
        if rows >= next_sample:
            samples.append(rss_mib())
            next_sample += SAMPLE_EVERY
    seconds = time.monotonic() - started
    after = rss_mib()
    print(
        json.dumps(
            {
                "rows": rows - 1,  # the header
                "mib": round(size / 2**20, 1),
                "seconds": round(seconds, 2),
                "rss_before_mib": round(before, 1),
                "rss_peak_mib": round(max([*samples, after]), 1),
                "rss_after_mib": round(after, 1),
                "rss_at_first_sample_mib": round(samples[0] if samples else after, 1),
                "streamed": response.streaming,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
