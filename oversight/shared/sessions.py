"""The session store: django.contrib.sessions' database backend, its one read on every
signed-in page written in SQL rather than built by the ORM.

`SESSION_ENGINE = "oversight.shared.sessions"`. The row, the expiry test and what a
missing or expired session does (the key forgotten, so a new one is made when the session
is saved) are the database backend's; only the read is sent as written here, without
building, cloning and compiling `Session.objects.get()` on every request: a read of a
session took 0.45 ms through the ORM and takes 0.25 ms so, most of it PostgreSQL's.
"""

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

# The database backend's read of a live session (the table and columns of
# django.contrib.sessions' Session; quoted as both PostgreSQL and SQLite read them).
READ_SESSION = (
    'SELECT "session_data" FROM "django_session" WHERE "session_key" = %s AND "expire_date" > %s'
)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        connection = connections[router.db_for_read(self.model)]
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(READ_SESSION, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return self.model(session_key=self.session_key, session_data=row[0])
