"""The session store (oversight.shared.sessions): the database backend's sessions, read by
one query written in SQL. It reads what the backend reads, and refuses what it refuses."""

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from oversight.shared.sessions import SessionStore

pytestmark = pytest.mark.django_db


def _saved(**data) -> str:
    session = SessionStore()
    session.update(data)
    session.save()
    return session.session_key


def test_it_is_the_session_engine(client, opcc_staff):
    assert settings.SESSION_ENGINE == "oversight.shared.sessions"
    assert SessionStore.get_model_class()._meta.db_table == "django_session"
    client.force_login(opcc_staff)
    assert client.session.__class__ is SessionStore
    assert client.get(reverse("recommendations:register")).status_code == 200


def test_a_live_session_reads_as_the_database_backend_reads_it_in_one_query():
    key = _saved(colour="blue", count=3)
    with CaptureQueriesContext(connection) as queries:
        read = SessionStore(key).load()
    assert read == {"colour": "blue", "count": 3} == DatabaseStore(key).load()
    # One query, the one written out, not the ORM's.
    assert [q["sql"].split(" WHERE ")[0] for q in queries] == [
        'SELECT "session_data" FROM "django_session"'
    ]


def test_an_expired_or_unknown_session_is_empty_and_its_key_forgotten():
    expired = _saved(colour="blue")
    Session.objects.filter(pk=expired).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    for key in (expired, "k" * 32):
        session = SessionStore(key)
        assert session.load() == {} == DatabaseStore(key).load()
        assert session.session_key is None
        # Saving it makes a new session rather than bringing the old one back.
        session["colour"] = "red"
        session.save()
        assert session.session_key not in (None, key)


def test_a_signed_in_person_whose_session_expired_is_signed_out(client, opcc_staff):
    client.force_login(opcc_staff)
    register = reverse("recommendations:register")
    assert client.get(register).status_code == 200
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(register)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
