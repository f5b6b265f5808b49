"""Fault injection for the Celery workers that tests/test_faults.py starts as subprocesses,
with `celery -A oversight worker -I tests.fault_worker`. Nothing here changes what a task
does; it only shortens the wait for a redelivery and gives a test a place to kill at.

- FAULT_VISIBILITY_TIMEOUT (seconds): a task whose worker died unacknowledged is handed
  out again once the broker's visibility timeout has passed (an hour in settings). The
  test shortens it, and the worker looks for such tasks every second.
- PausingFileBackend: the file e-mail backend, except that it stops for good before
  writing message number FAULT_PAUSE_ON_MAIL, after creating the file FAULT_MARKER (the
  process id and the recipient). The test waits for the marker and kills the worker
  there: in the middle of a reminder sweep, with some digests mailed and the next one on
  its way to the mail server.
"""

import os
import time
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend

from oversight.celery import app

if os.environ.get("FAULT_VISIBILITY_TIMEOUT"):
    app.conf.broker_transport_options = {
        **app.conf.broker_transport_options,
        "visibility_timeout": int(os.environ["FAULT_VISIBILITY_TIMEOUT"]),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }


class PausingFileBackend(EmailBackend):
    written = 0

    def write_message(self, message):
        PausingFileBackend.written += 1
        if PausingFileBackend.written == int(os.environ.get("FAULT_PAUSE_ON_MAIL", "0")):
            Path(os.environ["FAULT_MARKER"]).write_text(f"{os.getpid()} {', '.join(message.to)}")
            time.sleep(3600)  # until the test kills the worker
        super().write_message(message)
