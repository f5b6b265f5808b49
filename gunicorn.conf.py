"""gunicorn's settings, read from the working directory by production (the Dockerfile and
docker-compose.yml) and by `make bench` (scripts/bench.py), so that the bench measures what
production runs. Each command line gives the address and the logging.

Sync workers, three unless WEB_CONCURRENCY says otherwise: the pages are CPU-bound in
Python, so on a machine of 2 cores more processes, or threads sharing one interpreter, only
take turns. Measured on 2026-12-05 at concurrency 16 with the page cache off: the
recommendation page served 47-48 requests a second with 3 sync workers, against 42-43 with 4
workers of 4 threads each (the bench's set-up until then), 45 with 5 workers and 50 with 2;
the dashboard 25, against 22-24, 23 and 25. Three leave a worker free while another waits on
PostgreSQL."""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
