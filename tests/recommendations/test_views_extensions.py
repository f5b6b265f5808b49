"""Moving a target date through the pages: the lead asks on the action, OPCC staff agree or
refuse it there (or find it in the review queue), whoever asked may withdraw it. Until it
is agreed the current date stands: the register, "my actions" and the action page say so.

Outsiders (another force, another office, a partner on a police-only action) get 404;
people who can see the action but not do this get 403; a wrong method gets 405.
"""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from recommendations.models import Action, ExtensionRequest
from recommendations.services_extensions import (
    extension_decide,
    extension_request,
    extension_withdraw,
)
from tests import factories

Decision = ExtensionRequest.Decision


def _day(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def late_action(action_a, recommendation_a):
    """Lead A's action, its target date passed ten days ago; its recommendation itself not
    due for a year, so only the action makes it overdue."""
    recommendation_a.due_on = _day(365)
    recommendation_a.save()
    action_a.target_date = _day(-10)
    action_a.next_update_due = _day(60)
    action_a.save()
    return action_a


@pytest.fixture
def waiting(late_action, police_lead_a):
    return extension_request(
        action=late_action, by=police_lead_a, to_date=_day(50), reason="Examiner posts vacant."
    )


def _decide(client, extension, **data):
    return client.post(reverse("recommendations:extension_decide", args=[extension.pk]), data)


def _page(client, action) -> str:
    return client.get(action.get_absolute_url()).content.decode()


def _overdue_references(client) -> list[str]:
    response = client.get(reverse("recommendations:register_csv") + "?overdue=true")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return [row["Reference"] for row in csv.DictReader(io.StringIO(body))]


# --- Asking -----------------------------------------------------------------------------


def test_the_lead_asks_on_the_action_and_the_request_waits_there(
    client, late_action, police_lead_a
):
    client.force_login(police_lead_a)
    page = _page(client, late_action)
    url = reverse("recommendations:extension_request", args=[late_action.pk])
    assert url in page and "Ask to move the target date" in page
    form = client.get(url).content.decode()
    assert f"stays {late_action.target_date:%-d %B %Y}" in form

    response = client.post(url, {"to_date": _day(50).isoformat(), "reason": "Posts vacant."})

    extension = ExtensionRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{late_action.get_absolute_url()}#extension-{extension.pk}"
    assert (extension.requested_by, extension.from_date, extension.to_date) == (
        police_lead_a,
        late_action.target_date,
        _day(50),
    )
    page = _page(client, late_action)
    assert f'id="extension-{extension.pk}"' in page
    assert "Awaiting the OPCC&#x27;s decision" in page
    assert "Posts vacant." in page
    assert "is waiting for the OPCC's decision; until then this date stands" in page
    assert url not in page  # one request at a time: no second button
    assert "Withdraw this request" in page
    assert "Agree the new date" not in page  # the OPCC's to decide


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"to_date": "", "reason": "x"}, "to_date", "Choose the date you are asking"),
        ({"to_date": "2026-13-45", "reason": "x"}, "to_date", "Enter the new date"),
        ({"reason": "x"}, "to_date", "Choose the date you are asking"),
        ({"to_date": "past", "reason": "x"}, "to_date", "cannot be in the past"),
        ({"to_date": "same", "reason": "x"}, "to_date", "is already the target date"),
        ({"to_date": "later", "reason": "  "}, "reason", "Say why the target date needs to move"),
    ],
)
def test_a_bad_request_is_shown_next_to_its_field_and_saves_nothing(
    client, late_action, police_lead_a, data, field, message
):
    dates = {"past": _day(-1), "same": late_action.target_date, "later": _day(30)}
    if data.get("to_date") in dates:
        data = {**data, "to_date": dates[data["to_date"]].isoformat()}
    client.force_login(police_lead_a)

    response = client.post(
        reverse("recommendations:extension_request", args=[late_action.pk]), data
    )

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not ExtensionRequest.objects.exists()


def test_a_second_request_while_one_waits_is_refused_with_what_to_do(
    client, waiting, late_action, plan_owner_a
):
    client.force_login(plan_owner_a)
    url = reverse("recommendations:extension_request", args=[late_action.pk])
    assert "is still waiting for the OPCC's decision" in client.get(url).content.decode()

    response = client.post(url, {"to_date": _day(80).isoformat(), "reason": "Later still."})

    assert response.status_code == 400
    assert "withdraw that request and ask again" in response.content.decode()
    assert ExtensionRequest.objects.count() == 1


# --- Deciding ---------------------------------------------------------------------------


def test_opcc_staff_agree_on_the_action_page_and_the_new_date_drives_the_register(
    client, waiting, late_action, opcc_staff, recommendation_a
):
    client.force_login(opcc_staff)
    page = _page(client, late_action)
    assert "Agree the new date" in page and "Refuse with comment" in page
    assert recommendation_a.reference in _overdue_references(client)

    response = _decide(client, waiting, decision="agree", comment="")

    assert response.status_code == 302
    late_action.refresh_from_db()
    assert late_action.current_target_date == _day(50)
    assert late_action.target_date == _day(-10)  # the original is kept
    page = _page(client, late_action)
    assert f"<del>{_day(-10):%-d %b %Y}</del>" in page
    assert f"Agreed by {opcc_staff} on" in page
    assert "Agree the new date" not in page
    assert recommendation_a.reference not in _overdue_references(client)


def test_refusing_without_a_comment_is_shown_next_to_it_and_changes_nothing(
    client, waiting, late_action, opcc_staff
):
    client.force_login(opcc_staff)

    response = _decide(client, waiting, decision="refuse", comment="")

    assert response.status_code == 400
    content = response.content.decode()
    field = content[content.index('id="div_id_comment"') :]
    assert "Say why the target date cannot move" in field[: field.index("</textarea>") + 400]
    assert ExtensionRequest.objects.get().decision == Decision.PENDING


def test_a_refusal_keeps_the_date_and_the_lead_reads_the_comment(
    client, waiting, late_action, opcc_staff, police_lead_a
):
    client.force_login(opcc_staff)
    _decide(client, waiting, decision="refuse", comment="Use agency examiners meanwhile.")

    client.force_login(police_lead_a)
    page = _page(client, late_action)
    assert "Use agency examiners meanwhile." in page
    assert f"Refused by {opcc_staff}" in page
    assert Action.objects.get(pk=late_action.pk).current_target_date == _day(-10)
    my_actions = client.get(reverse("recommendations:my_actions")).content.decode()
    assert "Passed 10 days ago" in my_actions  # the original date still stands
    assert reverse("recommendations:extension_request", args=[late_action.pk]) in page


def test_my_actions_follows_the_agreed_date_only_once_it_is_agreed(
    client, waiting, late_action, opcc_staff, police_lead_a
):
    client.force_login(police_lead_a)
    assert "Passed 10 days ago" in client.get(reverse("recommendations:my_actions")).text

    extension_decide(extension=waiting, by=opcc_staff, agree=True)

    my_actions = client.get(reverse("recommendations:my_actions")).text
    assert "Passed 10 days ago" not in my_actions
    assert f"{_day(50):%-d %b %Y}" in my_actions


def test_a_second_decision_from_a_stale_page_is_refused_with_a_message(
    client, waiting, late_action, opcc_staff
):
    client.force_login(opcc_staff)
    _decide(client, waiting, decision="agree")

    response = _decide(client, waiting, decision="refuse", comment="Too late.")

    assert response.status_code == 400
    assert "already agreed by" in response.content.decode()
    assert ExtensionRequest.objects.get().decision == Decision.AGREED


# --- Withdrawing ------------------------------------------------------------------------


def test_the_lead_withdraws_and_may_ask_again(client, waiting, late_action, police_lead_a):
    client.force_login(police_lead_a)
    url = reverse("recommendations:extension_withdraw", args=[waiting.pk])

    assert client.post(url).status_code == 302
    page = _page(client, late_action)
    assert "Withdrawn by" in page
    assert reverse("recommendations:extension_request", args=[late_action.pk]) in page
    again = client.post(url)
    assert again.status_code == 400
    assert "already withdrawn" in again.content.decode()


# --- Who may do what --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("read_only", 403),
        ("police_lead_a2", 403),  # another lead of the same force
        ("police_lead_b", 404),  # a lead of another force
        ("partner_lead", 404),  # a police-only action
        ("opcc_staff_b", 404),  # another office
    ],
)
def test_people_who_may_not_ask_change_nothing(client, request, late_action, persona, expected):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("recommendations:extension_request", args=[late_action.pk])

    assert client.get(url).status_code == expected
    data = {"to_date": _day(50).isoformat(), "reason": "Hijacked."}
    assert client.post(url, data).status_code == expected
    assert not ExtensionRequest.objects.exists()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("read_only", 403),
        ("police_lead_a", 403),
        ("plan_owner_a", 403),
        ("police_lead_b", 404),
        ("partner_lead", 404),
        ("opcc_staff_b", 404),
    ],
)
def test_only_opcc_staff_of_the_office_decide(client, request, waiting, persona, expected):
    client.force_login(request.getfixturevalue(persona))

    assert _decide(client, waiting, decision="agree").status_code == expected
    assert ExtensionRequest.objects.get().decision == Decision.PENDING


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("read_only", 403),
        ("opcc_staff", 403),
        ("police_lead_a2", 403),
        ("police_lead_b", 404),
        ("partner_lead", 404),
        ("opcc_staff_b", 404),
    ],
)
def test_only_whoever_asked_or_the_plan_owner_withdraw(client, request, waiting, persona, expected):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("recommendations:extension_withdraw", args=[waiting.pk])

    assert client.post(url).status_code == expected
    assert ExtensionRequest.objects.get().decision == Decision.PENDING


@pytest.mark.parametrize("name", ["extension_decide", "extension_withdraw"])
def test_deciding_and_withdrawing_take_a_post_only(client, waiting, opcc_staff, name):
    client.force_login(opcc_staff)
    assert client.get(reverse(f"recommendations:{name}", args=[waiting.pk])).status_code == 405


def test_anonymous_users_go_to_the_login_page(client, waiting, late_action):
    for url in (
        reverse("recommendations:extension_request", args=[late_action.pk]),
        reverse("recommendations:extension_decide", args=[waiting.pk]),
        reverse("recommendations:extension_withdraw", args=[waiting.pk]),
    ):
        response = client.post(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_read_only_sees_every_request_without_a_button(client, waiting, late_action, read_only):
    client.force_login(read_only)
    page = _page(client, late_action)
    assert "Examiner posts vacant." in page
    for button in ("Agree the new date", "Withdraw this request", "Ask to move the target date"):
        assert button not in page


# --- The review queue -------------------------------------------------------------------


def test_the_review_queue_lists_requests_oldest_first_for_the_office_only(
    client, waiting, late_action, plan_a, police_lead_a, action_b, opcc_staff, opcc_staff_b
):
    newer = factories.ExtensionRequestFactory(
        action=factories.ActionFactory(plan=plan_a, reference="A7", delivery_lead=police_lead_a),
        reason="Newer request.",
    )
    factories.ExtensionRequestFactory(action=action_b, reason="Force B request.")
    decided = factories.ExtensionRequestFactory(
        action=factories.ActionFactory(plan=plan_a, reference="A8"),
        reason="Already refused.",
        decision=Decision.REFUSED,
        decided_by=opcc_staff,
        decided_at=timezone.now(),
        decision_comment="No.",
    )
    client.force_login(opcc_staff)

    content = client.get(reverse("recommendations:review_queue")).content.decode()

    section = content[content.index('id="queue-extensions-heading"') :]
    assert "Extension requests awaiting your decision (2)" in section
    assert section.index("Examiner posts vacant.") < section.index("Newer request.")
    assert f"{late_action.get_absolute_url()}#extension-{waiting.pk}" in section
    assert newer.get_absolute_url() in section
    assert "Force B request." not in content
    assert decided.reason not in content
    client.force_login(opcc_staff_b)
    content = client.get(reverse("recommendations:review_queue")).content.decode()
    assert "Force B request." in content
    assert "Examiner posts vacant." not in content


# --- Queries ----------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_action_page_and_queue_queries_do_not_grow_with_requests(
    client, waiting, late_action, plan_a, police_lead_a, opcc_staff
):
    client.force_login(opcc_staff)
    pages = [late_action.get_absolute_url(), reverse("recommendations:review_queue")]
    for url in pages:
        client.get(url)  # warm the session and the content types
    few = [_queries(client, url) for url in pages]
    extension_decide(extension=waiting, by=opcc_staff, agree=False, comment="No.")
    for n in range(6):
        extension = extension_request(
            action=late_action, by=police_lead_a, to_date=_day(60 + n), reason=f"Try {n}."
        )
        if n < 5:
            extension_withdraw(extension=extension, by=police_lead_a)
        factories.ExtensionRequestFactory(
            action=factories.ActionFactory(
                plan=plan_a, reference=f"B{n}", delivery_lead=police_lead_a
            )
        )
    many = [_queries(client, url) for url in pages]
    assert many == few
