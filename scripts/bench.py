"""`make bench`: national-size data, real gunicorn, real load, one table.

1. Creates a throwaway PostgreSQL database (oversight_bench) and fills it with
   `manage.py seed_scale` (43 forces, 2,000 reports, 40,000 recommendations, 120,000
   actions, 500,000 updates; `--size small` for a quick run). `--reuse` keeps a database
   that already holds the data.
2. Serves the app with gunicorn on 127.0.0.1 and, for each persona's main pages, measures
   p50/p95 latency and requests per second with wrk at concurrency 1 and 16 (loopback only,
   bounded by --seconds per run).
   Each page's HTML size is the body of its first response.
3. The pages the page cache serves, with it on, at concurrency 16 while police leads' progress
   updates are posted through the service layer at 0, 1 and 10 a second
   (scripts/bench_writer.py, a process of its own, on live actions of every force), the
   rates run in the order 0, 1, 10, 10, 1, 0 (a machine's drift weighs on every rate alike)
   --write-rounds times, each rate's figure the median of its runs, and the share of the
   throughput without writes each keeps; then the dashboards
   so with the page cache off (each update marks its force's kept counts,
   recommendations.tallies).
4. Measures in-process: queries per page, the reminder sweep over all actions (time,
   queries), and in processes of their own the chief constable's letter for a report with
   40 recommendations (time, peak memory), the CSV export of 40,000 rows (time, peak memory,
   streamed) and the committee pack for a reader of every force.
5. Prints one table and writes it as JSON to var/bench/results.json.
"""

import argparse
import contextlib
import http.cookiejar
import json
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BENCH_DB = "oversight_bench"
BENCH_CACHE_URL = "redis://127.0.0.1:6379/2"
SIZES = {
    "full": {
        "forces": 43,
        "reports": 2000,
        "recommendations": 40000,
        "actions": 120000,
        "updates": 500000,
    },
    "small": {
        "forces": 10,
        "reports": 200,
        "recommendations": 4000,
        "actions": 12000,
        "updates": 50000,
    },
}
# Progress updates a second posted while the cached pages are measured.
WRITE_RATES = (0, 1, 10)
SECRET = "bench-only-secret-key-" + "x7Qp2Lr9Vt4Wz8Ny3Mc6Hs1Jd5Gf0Bk" * 2


def run(cmd, env, **kwargs):
    return subprocess.run(cmd, cwd=ROOT, env=env, check=True, **kwargs)


def psql(sql: str) -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def prepare_database(env, size_name: str, reuse: bool) -> float | None:
    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{BENCH_DB}'") == "1"
    if reuse and exists:
        run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)  # the code's tables
        return None
    if exists:
        psql(f"DROP DATABASE {BENCH_DB} WITH (FORCE)")
    psql(f"CREATE DATABASE {BENCH_DB}")
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
    started = time.monotonic()
    args = [f"--{k}={v}" for k, v in SIZES[size_name].items()]
    run([PYTHON, "manage.py", "seed_scale", *args], env)
    seconds = time.monotonic() - started
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", BENCH_DB, "-qc", "VACUUM ANALYZE"],
        check=True,
    )
    return seconds


def start_gunicorn(env, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "oversight.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            # The workers are production's: gunicorn.conf.py, read from ROOT.
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/", timeout=2)
            return process
        except OSError:
            time.sleep(0.5)
    os.killpg(process.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not start")


def session_cookie(base: str, username: str, password: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/accounts/login/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "login": username, "password": password}
    ).encode()
    opener.open(
        urllib.request.Request(
            f"{base}/accounts/login/", data=data, headers={"Referer": f"{base}/accounts/login/"}
        ),
        timeout=30,
    )
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise SystemExit(f"Could not sign in as {username}")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def check_page(url: str, cookie: str) -> int:
    """The page's size in bytes, after checking it answers 200 at its own address."""
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    response = urllib.request.urlopen(request, timeout=60)
    if response.status != 200 or response.geturl() != url:
        raise SystemExit(f"{url} answered {response.status} at {response.geturl()}")
    return len(response.read())


def wrk(url: str, cookie: str, connections: int, seconds: int) -> dict:
    output = subprocess.run(
        [
            "wrk",
            f"-t{min(connections, 2)}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(ROOT / "scripts" / "wrk_report.lua"),
            "-H",
            f"Cookie: {cookie}",
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def in_process_measures(env, *, jobs: bool) -> dict:
    """Queries per page and the heavy jobs, measured inside one Django process."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oversight.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from bench_measures import measure_all  # scripts/bench_measures.py

    return measure_all(jobs=jobs)


class Cookies(dict):
    """Each persona's session cookie, signed in the first time it is asked for."""

    def __init__(self, base: str, password: str):
        super().__init__()
        self.base, self.password = base, password

    def __missing__(self, persona: str) -> str:
        self[persona] = session_cookie(self.base, persona, self.password)
        return self[persona]


@contextlib.contextmanager
def serving(env, args, pages: list[dict], password: str):
    """A gunicorn of its own for a run; yields each page with its address and its
    persona's session cookie."""
    base = f"http://127.0.0.1:{args.port}"
    server = start_gunicorn(env, args.port)
    try:
        cookies = Cookies(base, password)
        yield ((page, base + page["path"], cookies[page["persona"]]) for page in pages)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def measure_pages(env, args, pages: list[dict], password: str, *, suffix: str) -> list[dict]:
    """wrk at concurrency 1 and 16 against each page, served by a gunicorn of its own."""
    rows = []
    with serving(env, args, pages, password) as served:
        for page, url, cookie in served:
            row = {**page, "name": page["name"] + suffix}
            row["html_kb"] = round(check_page(url, cookie) / 1024, 1)
            for connections in (1, 16):
                row[f"c{connections}"] = wrk(url, cookie, connections, args.seconds)
            rows.append(row)
            print(
                f"{row['name']:<40} c1 p50 {row['c1']['p50_ms']:7.1f} ms  "
                f"c16 p50 {row['c16']['p50_ms']:7.1f} ms  {row['c16']['rps']:7.1f} req/s",
                flush=True,
            )
    return rows


def start_writer(env, rate: float) -> subprocess.Popen:
    """scripts/bench_writer.py posting `rate` updates a second, once it says it is ready."""
    writer = subprocess.Popen(
        [PYTHON, str(ROOT / "scripts" / "bench_writer.py"), "--rate", str(rate)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    if writer.stdout.readline().strip() != "ready":
        writer.kill()
        raise SystemExit("The update writer did not start")
    return writer


def stop_writer(writer: subprocess.Popen) -> dict:
    writer.send_signal(signal.SIGTERM)
    output, _ = writer.communicate(timeout=60)
    return json.loads(output.strip().splitlines()[-1])


# The write rates in the order they are run for each page, mirrored so that a machine
# growing slower or faster during the page's runs weighs on every rate alike; --write-rounds
# times over (each rate's figure is the median of its runs).
WRITE_RUN_ORDER = (*WRITE_RATES, *reversed(WRITE_RATES))


def _under_writes_run(env, args, url: str, cookie: str, rate: int) -> dict:
    """wrk at concurrency 16 while `rate` updates a second are posted."""
    check_page(url, cookie)  # cached again after the last run's writes
    writer = start_writer(env, rate) if rate else None
    try:
        result = wrk(url, cookie, 16, args.seconds)
    finally:
        written = stop_writer(writer) if writer else {"posted": 0, "errors": 0}
    return {**result, "updates_posted": written["posted"], "update_errors": written["errors"]}


def measure_under_writes(
    env, args, pages: list[dict], password: str, *, suffix: str = ""
) -> list[dict]:
    """Each page at concurrency 16 while 0, 1 and 10 progress updates a second are posted
    through the service layer (the page cache as `env` sets it): the rates run in
    WRITE_RUN_ORDER, args.write_rounds times; each rate's req/s and p50 the median of its
    runs, its share kept that median over the no-writes median."""
    rows = []
    with serving(env, args, pages, password) as served:
        for page, url, cookie in served:
            runs = {rate: [] for rate in WRITE_RATES}
            for rate in WRITE_RUN_ORDER * args.write_rounds:
                runs[rate].append(_under_writes_run(env, args, url, cookie, rate))
            row = {"name": page["name"] + suffix, "persona": page["persona"], "rates": {}}
            for rate, results in runs.items():
                row["rates"][rate] = {
                    "rps": statistics.median(r["rps"] for r in results),
                    "p50_ms": statistics.median(r["p50_ms"] for r in results),
                    "runs_rps": [r["rps"] for r in results],
                    "updates_posted": sum(r["updates_posted"] for r in results),
                    "update_errors": sum(r["update_errors"] for r in results),
                    "errors": sum(r["errors"] for r in results),
                }
            without_writes = row["rates"][0]["rps"]
            for result in row["rates"].values():
                result["kept"] = round(result["rps"] / without_writes, 2) if without_writes else 0
            rows.append(row)
            print(
                f"{row['name']:<40} c16 req/s "
                + "  ".join(
                    f"{r}/s: {row['rates'][r]['rps']:7.1f} "
                    f"({'/'.join(f'{x:.0f}' for x in row['rates'][r]['runs_rps'])})"
                    for r in WRITE_RATES
                ),
                flush=True,
            )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--size", choices=SIZES, default="full")
    parser.add_argument("--reuse", action="store_true", help="Reuse a filled bench database.")
    parser.add_argument("--seconds", type=int, default=10, help="Length of each wrk run.")
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument(
        "--pages-only", action="store_true", help="Skip the jobs (sweep, CSV, letter, pack)."
    )
    parser.add_argument(
        "--write-rounds",
        type=int,
        default=2,
        help="Times each page's runs under writes (0, 1, 10, 10, 1, 0 a second) are made.",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (make bench installs it with apt-get).")

    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}",
        "DATABASE_CONN_MAX_AGE": "60",
        "DEBUG": "false",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "AXES_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        # As in production: the page cache in a Redis every gunicorn worker shares.
        "CACHE_URL": BENCH_CACHE_URL,
    }
    env.pop("CELERY_BROKER_URL", None)
    seed_seconds = prepare_database(env, args.size, args.reuse)
    run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env)

    redis.Redis.from_url(BENCH_CACHE_URL).flushdb()  # no page cached by an earlier run
    sys.path.insert(0, str(ROOT / "scripts"))
    # Queries are counted with the page cache off: what a page costs when it is rendered.
    measures = in_process_measures({**env, "PAGE_CACHE_SECONDS": "0"}, jobs=not args.pages_only)
    # The pages' first views filled the tables kept for them (the dashboard's quarters, its
    # counts): their statistics brought up to date, as PostgreSQL's autovacuum does in
    # production (these machines run PostgreSQL with it off).
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", BENCH_DB, "-qc", "ANALYZE"],
        check=True,
    )

    rows = measure_pages(env, args, measures["pages"], measures["password"], suffix="")
    # The pages the page cache serves, again with it off: what each costs when the data has
    # just changed (every cached body dropped) or a filter is used for the first time.
    cached = [page for page in measures["pages"] if page["page_cache"]]
    rows += measure_pages(
        {**env, "PAGE_CACHE_SECONDS": "0"},
        args,
        cached,
        measures["password"],
        suffix=" (page cache off)",
    )

    under_writes = measure_under_writes(env, args, cached, measures["password"])
    # The dashboards again with the page cache off: each update marks its force's kept
    # tile counts stale (recommendations.tallies), so these count that force afresh.
    under_writes += measure_under_writes(
        {**env, "PAGE_CACHE_SECONDS": "0"},
        args,
        [page for page in cached if page["name"].startswith("dashboard")],
        measures["password"],
        suffix=" (page cache off)",
    )

    report = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"{platform.machine()}, Python {platform.python_version()}",
        "size": SIZES[args.size],
        "seed_seconds": seed_seconds,
        "pages": rows,
        "under_writes": under_writes,
        "jobs": measures["jobs"],
    }
    print_table(report)
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(report, indent=2))
    print(f"\nWritten to {out / 'results.json'}")
    return 0


def print_table(report: dict) -> None:
    print(f"\nBenchmark {report['date']} on {report['machine']}")
    size = report["size"]
    print(
        f"Data: {size['forces']} forces, {size['reports']:,} reports, "
        f"{size['recommendations']:,} recommendations, {size['actions']:,} actions, "
        f"{size['updates']:,} updates"
        + (f" (seeded in {report['seed_seconds']:.0f} s)" if report["seed_seconds"] else "")
    )
    header = (
        f"| {'page':<45} | {'persona':<16} | queries | HTML KB | c1 p50 ms | c1 p95 ms "
        f"| c1 req/s | c16 p50 ms | c16 p95 ms | c16 req/s | errors |"
    )
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for row in report["pages"]:
        c1, c16 = row["c1"], row["c16"]
        print(
            f"| {row['name']:<45} | {row['persona']:<16} | {row['queries']:>7} "
            f"| {row['html_kb']:>7.1f} | {c1['p50_ms']:>9.1f} | {c1['p95_ms']:>9.1f} "
            f"| {c1['rps']:>8.1f} "
            f"| {c16['p50_ms']:>10.1f} | {c16['p95_ms']:>10.1f} | {c16['rps']:>9.1f} "
            f"| {c1['errors'] + c16['errors']:>6} |"
        )
    print(
        "\nPages at concurrency 16 while progress updates are posted (page cache on, but"
        " for the rows marked off):"
    )
    header = (
        f"| {'page':<45} | {'persona':<16} | "
        + " | ".join(f"{r:>2}/s req/s | p50 ms | kept" for r in WRITE_RATES)
        + " | updates posted |"
    )
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for row in report["under_writes"]:
        cells = " | ".join(
            f"{row['rates'][r]['rps']:>11.1f} | {row['rates'][r]['p50_ms']:>6.1f} | "
            f"{row['rates'][r]['kept']:>4.0%}"
            for r in WRITE_RATES
        )
        posted = "/".join(str(row["rates"][r]["updates_posted"]) for r in WRITE_RATES)
        print(f"| {row['name']:<45} | {row['persona']:<16} | {cells} | {posted:>14} |")
    print()
    for job in report["jobs"]:
        details = ", ".join(f"{k} {v}" for k, v in job.items() if k != "name")
        print(f"- {job['name']}: {details}")


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
    sys.exit(main())
