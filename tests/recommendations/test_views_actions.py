"""Action pages: the access matrix for every URL of plans, actions, progress updates and
closure, and the forms behind them.

Outsiders (another force, another office, a partner on a police-only action) get 404; people
who can see but not change get 403; anonymous users go to the login page; a wrong method
gets 405.
"""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from oversight.shared.concurrency import version_of
from oversight.shared.uploads import check_upload
from recommendations import services_actions, services_extensions, services_progress
from recommendations.models import Action, ActionPlan, ExtensionRequest, ProgressUpdate, Rag
from tests import factories

PERSONAS = [
    "opcc_staff",
    "read_only",
    "plan_owner_a",
    "police_lead_a",
    "police_lead_a2",
    "police_lead_b",
    "partner_lead",
    "opcc_staff_b",
]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Eight personas per test: the production hasher's deliberate slowness adds nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(action_a, partner_action_a, police_lead_a, opcc_staff):
    """Force A's plan with a police-only action (lead A) holding a submitted update with a
    PDF, and a partner action."""
    upload = check_upload(SimpleUploadedFile("minutes.pdf", factories.tiny_pdf()))
    update = services_progress.progress_update_submit(
        action=action_a,
        author=police_lead_a,
        narrative="Training continuing.",
        rag=Rag.AMBER,
        percent_complete=40,
        uploads=[upload],
    )
    return {
        "plan": action_a.plan,
        "action": action_a,
        "partner_action": partner_action_a,
        "update": update,
        "evidence": update.evidence.get(),
    }


# (url name, object key, allowed method, {persona: expected GET status})
# 200: may use it; 403: sees it but may not change; 404: may not see it.
GET_MATRIX = [
    ("my_actions", None, dict.fromkeys(PERSONAS, 200)),
    ("review_queue", None, dict.fromkeys(PERSONAS, 200)),
    ("plan_list", None, dict.fromkeys(PERSONAS, 200)),
    (
        "plan_create",
        None,
        {**dict.fromkeys(PERSONAS, 403), "plan_owner_a": 200},
    ),
    (
        "plan_detail",
        "plan",
        {
            **dict.fromkeys(PERSONAS, 200),
            "police_lead_b": 404,
            "opcc_staff_b": 404,
        },
    ),
    (
        "plan_export",
        "plan",
        {
            **dict.fromkeys(PERSONAS, 200),
            "police_lead_b": 404,
            "opcc_staff_b": 404,
        },
    ),
    (
        "plan_edit",
        "plan",
        {
            **dict.fromkeys(PERSONAS, 403),
            "plan_owner_a": 200,
            "police_lead_b": 404,
            "opcc_staff_b": 404,
        },
    ),
    (
        "action_create",
        "plan",
        {
            **dict.fromkeys(PERSONAS, 403),
            "plan_owner_a": 200,
            "police_lead_b": 404,
            "opcc_staff_b": 404,
        },
    ),
    (
        "action_detail",
        "action",
        {
            **dict.fromkeys(PERSONAS, 200),
            "police_lead_b": 404,
            "partner_lead": 404,  # police-only action
            "opcc_staff_b": 404,
        },
    ),
    (
        "action_edit",
        "action",
        {
            **dict.fromkeys(PERSONAS, 403),
            "plan_owner_a": 200,
            "police_lead_b": 404,
            "partner_lead": 404,
            "opcc_staff_b": 404,
        },
    ),
    (
        "extension_request",
        "action",
        {
            **dict.fromkeys(PERSONAS, 403),
            "plan_owner_a": 200,
            "police_lead_a": 200,
            "police_lead_b": 404,
            "partner_lead": 404,
            "opcc_staff_b": 404,
        },
    ),
    (
        "update_create",
        "action",
        {
            **dict.fromkeys(PERSONAS, 403),
            "police_lead_a": 200,
            "plan_owner_a": 200,
            "police_lead_b": 404,
            "partner_lead": 404,
            "opcc_staff_b": 404,
        },
    ),
    (
        "update_create",
        "partner_action",
        {
            **dict.fromkeys(PERSONAS, 403),
            "partner_lead": 200,
            "plan_owner_a": 200,
            "police_lead_b": 404,
            "opcc_staff_b": 404,
        },
    ),
    (
        "update_review",
        "update",
        {
            **dict.fromkeys(PERSONAS, 403),
            "opcc_staff": 200,
            "police_lead_b": 404,
            "partner_lead": 404,
            "opcc_staff_b": 404,
        },
    ),
    (
        "action_propose_completion",
        "action",
        {
            **dict.fromkeys(PERSONAS, 403),
            "police_lead_a": 200,
            "plan_owner_a": 200,
            "police_lead_b": 404,
            "partner_lead": 404,
            "opcc_staff_b": 404,
        },
    ),
    (
        "action_sign_off",
        "action",
        {
            **dict.fromkeys(PERSONAS, 403),
            "opcc_staff": 200,
            "police_lead_b": 404,
            "partner_lead": 404,
            "opcc_staff_b": 404,
        },
    ),
    (
        "evidence_download",
        "evidence",
        {
            **dict.fromkeys(PERSONAS, 200),
            "police_lead_b": 404,
            "partner_lead": 404,
            "opcc_staff_b": 404,
        },
    ),
]

GET_CASES = [
    pytest.param(name, key, persona, expected, id=f"{name}-{key}-{persona}")
    for name, key, expectations in GET_MATRIX
    for persona, expected in expectations.items()
]


def _url(name, key, world):
    return reverse(f"recommendations:{name}", args=[world[key].pk] if key else [])


@pytest.mark.parametrize(("name", "key", "persona", "expected"), GET_CASES)
def test_access_matrix_get(client, request, world, name, key, persona, expected):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(_url(name, key, world)).status_code == expected


# POST-only URLs and the change URLs, posted to by someone who may not change: nothing moves.
POST_ONLY = [
    ("plan_transition", "plan", {"to_status": "closed"}),
    ("action_status", "action", {"status": "paused", "reason": "x"}),
]
CHANGE_URLS = [
    ("plan_edit", "plan", {"title": "Hijacked"}),
    ("action_create", "plan", {"reference": "A99"}),
    ("action_edit", "action", {"reference": "A99"}),
    ("extension_request", "action", {"to_date": "2030-01-01", "reason": "Delay."}),
    ("update_create", "action", {"narrative": "x", "rag": "red", "percent_complete": 5}),
    ("update_review", "update", {"decision": "accept"}),
    ("action_propose_completion", "action", {"completion_evidence": "x"}),
    ("action_sign_off", "action", {"decision": "sign_off"}),
    *POST_ONLY,
]


def _snapshot(world):
    action = Action.objects.get(pk=world["action"].pk)
    plan = ActionPlan.objects.get(pk=world["plan"].pk)
    return (
        action.status,
        action.reference,
        action.revised_target_date,
        plan.status,
        plan.title,
        ProgressUpdate.objects.count(),
        list(ProgressUpdate.objects.values_list("review_state", flat=True)),
        Action.objects.count(),
        list(ExtensionRequest.objects.values_list("decision", flat=True)),
    )


@pytest.mark.parametrize(("name", "key", "data"), CHANGE_URLS, ids=[c[0] for c in CHANGE_URLS])
@pytest.mark.parametrize(
    ("persona", "expected"),
    [("read_only", 403), ("police_lead_a2", 403), ("police_lead_b", 404), ("opcc_staff_b", 404)],
)
def test_people_who_may_not_change_change_nothing(
    client,
    request,
    world,
    police_lead_a2,
    opcc_staff_b,
    police_lead_b,
    name,
    key,
    data,
    persona,
    expected,
):
    before = _snapshot(world)
    client.force_login(request.getfixturevalue(persona))
    assert client.post(_url(name, key, world), data).status_code == expected
    assert _snapshot(world) == before


GET_ONLY = [
    ("my_actions", None),
    ("review_queue", None),
    ("plan_list", None),
    ("plan_detail", "plan"),
    ("plan_export", "plan"),
    ("action_detail", "action"),
    ("evidence_download", "evidence"),
]
WRONG_METHODS = (
    [(name, key, "post") for name, key in GET_ONLY]
    + [(name, key, "get") for name, key, _ in POST_ONLY]
    + [(name, key, "put") for name, key, _ in CHANGE_URLS]
    + [(name, key, "delete") for name, key, _ in CHANGE_URLS]
)


@pytest.mark.parametrize(
    ("name", "key", "method"), WRONG_METHODS, ids=[f"{n}-{m}" for n, _, m in WRONG_METHODS]
)
def test_wrong_method_is_refused(client, plan_owner_a, world, name, key, method):
    client.force_login(plan_owner_a)
    assert getattr(client, method)(_url(name, key, world)).status_code == 405


@pytest.mark.parametrize(
    ("name", "key", "method"),
    [(name, key, "get") for name, key, _ in GET_MATRIX]
    + [(name, key, "post") for name, key, _ in POST_ONLY],
)
def test_anonymous_users_go_to_the_login_page(client, world, name, key, method):
    response = getattr(client, method)(_url(name, key, world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_home_sends_leads_and_plan_owners_to_my_actions(
    client, police_lead_a, plan_owner_a, partner_lead
):
    for user in (police_lead_a, plan_owner_a, partner_lead):
        client.force_login(user)
        assert client.get(reverse("home"))["Location"] == reverse("recommendations:my_actions")


# --- The action page ------------------------------------------------------------------


def test_action_page_shows_updates_evidence_and_review_buttons_to_opcc(client, world, opcc_staff):
    client.force_login(opcc_staff)
    response = client.get(world["action"].get_absolute_url())
    content = response.content.decode()
    assert "Training continuing." in content
    assert "minutes.pdf" in content
    assert reverse("recommendations:evidence_download", args=[world["evidence"].pk]) in content
    assert "Accept update" in content
    assert "Post an update" not in content


def test_action_page_offers_the_lead_one_click_to_update(client, world, police_lead_a):
    client.force_login(police_lead_a)
    content = client.get(world["action"].get_absolute_url()).content.decode()
    assert reverse("recommendations:update_create", args=[world["action"].pk]) in content
    assert "Accept update" not in content


def test_read_only_sees_the_action_without_any_button(client, world, read_only):
    client.force_login(read_only)
    content = client.get(world["action"].get_absolute_url()).content.decode()
    for button in ("Accept update", "Post an update", "Propose completion", "Sign off", "Edit"):
        assert button not in content


def test_action_page_shows_the_history_of_changes(client, world, opcc_staff, plan_owner_a):
    action = world["action"]
    services_actions.action_update(
        action=action,
        by=plan_owner_a,
        expected_version=version_of(action),
        reference="A1",
        description="Train every frontline officer.",
        recommendations=list(action.recommendations.all()),
        cadence=action.cadence,
        delivery_lead=action.delivery_lead,
    )
    extension = services_extensions.extension_request(
        action=action,
        by=plan_owner_a,
        to_date=datetime.date(2031, 6, 30),
        reason="Examiner posts vacant.",
    )
    services_extensions.extension_decide(extension=extension, by=opcc_staff, agree=True)
    services_progress.progress_update_accept(update=world["update"], by=opcc_staff)
    client.force_login(opcc_staff)
    content = client.get(action.get_absolute_url()).content.decode()
    history = content[content.index('id="history-heading"') :]
    assert "Revised target date" in history
    assert "30 Jun 2031" in history
    assert "Examiner posts vacant." in history
    assert "Train every frontline officer." in history
    assert str(plan_owner_a) in history
    assert "accepted" in history
    assert str(opcc_staff) in history


def test_action_page_names_everyone_it_reads_apart_from_the_action(
    client, world, opcc_staff, plan_owner_a, police_lead_a, police_lead_a2
):
    """The action's people are read in a query of their own, a resubmission's returned
    update is taken from the action's own updates, and the history names people the page
    holds without looking them up again: each still shows the right name."""
    action = world["action"]
    services_progress.progress_update_return(
        update=world["update"], by=opcc_staff, reason="Give the percentage trained."
    )
    services_progress.progress_update_submit(
        action=action,
        author=police_lead_a,
        narrative="81% trained.",
        rag=Rag.AMBER,
        percent_complete=81,
        resubmission_of=world["update"],
    )
    action.refresh_from_db()
    services_actions.action_update(
        action=action,
        by=plan_owner_a,
        expected_version=version_of(action),
        reference=action.reference,
        description=action.description,
        recommendations=list(action.recommendations.all()),
        cadence=action.cadence,
        delivery_lead=police_lead_a2,  # the lead named before is no longer the action's
        owner=plan_owner_a,
    )
    client.force_login(opcc_staff)
    content = client.get(action.get_absolute_url()).content.decode()
    returned_on = world["update"].written_on
    assert f"Resubmission of {returned_on.day} {returned_on:%b}" in content
    assert f"<dt>Delivery lead</dt><dd>{police_lead_a2}</dd>" in content
    assert f"Chief officer owner</dt><dd>{plan_owner_a}" in content
    history = content[content.index('id="history-heading"') :]
    assert f"Delivery lead:</span> <del>{police_lead_a}</del> → {police_lead_a2}" in history
    assert f"Reviewed by:</span> {opcc_staff}</li>" in history


def test_action_page_queries_do_not_grow_with_updates_or_history(
    client, world, opcc_staff, police_lead_a
):
    client.force_login(opcc_staff)
    action = world["action"]
    services_progress.progress_update_accept(update=world["update"], by=opcc_staff)
    client.get(action.get_absolute_url())  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(action.get_absolute_url())
    for n in range(8):
        update = services_progress.progress_update_submit(
            action=action,
            author=police_lead_a,
            narrative=f"Update {n}",
            rag=Rag.GREEN,
            percent_complete=n,
            uploads=[check_upload(SimpleUploadedFile(f"f{n}.pdf", factories.tiny_pdf()))],
        )
        services_progress.progress_update_accept(update=update, by=opcc_staff)
    with CaptureQueriesContext(connection) as many:
        client.get(action.get_absolute_url())
    assert len(many) == len(few)


def _tables_read(client, url: str) -> list[str]:
    """The table each of the page's queries reads rows of (its first column's)."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [
        found.group(1) if (found := re.match(r'SELECT \(?"(\w+)"', q["sql"])) else q["sql"][:30]
        for q in captured
    ]


def test_action_page_reads_evidence_and_requests_to_move_its_date_only_where_there_are_any(
    client, action_a, plan_owner_a, police_lead_a, opcc_staff
):
    client.force_login(opcc_staff)
    url = action_a.get_absolute_url()
    client.get(url)  # warm the session
    bare = _tables_read(client, url)
    assert "recommendations_evidence" not in bare
    assert "recommendations_extensionrequest" not in bare

    services_progress.progress_update_submit(
        action=action_a,
        author=police_lead_a,
        narrative="Training continuing.",
        rag=Rag.AMBER,
        percent_complete=40,
        uploads=[check_upload(SimpleUploadedFile("minutes.pdf", factories.tiny_pdf()))],
    )
    services_extensions.extension_request(
        action=action_a,
        by=plan_owner_a,
        to_date=datetime.date(2031, 6, 30),
        reason="Examiner posts vacant.",
    )
    with_both = _tables_read(client, url)
    assert with_both.count("recommendations_evidence") == 1
    assert with_both.count("recommendations_extensionrequest") == 1
    assert len(with_both) == len(bare) + 2
    content = client.get(url).content.decode()
    assert "minutes.pdf" in content
    assert "Examiner posts vacant." in content


# --- Update review --------------------------------------------------------------------


def test_opcc_accepts_an_update_and_the_next_update_due_moves(client, world, opcc_staff):
    client.force_login(opcc_staff)
    response = client.post(
        reverse("recommendations:update_review", args=[world["update"].pk]),
        {"decision": "accept"},
    )
    assert response.status_code == 302
    action = Action.objects.get(pk=world["action"].pk)
    assert action.next_update_due == world["update"].written_on + datetime.timedelta(days=30)


def test_returning_without_a_reason_says_what_to_do(client, world, opcc_staff):
    client.force_login(opcc_staff)
    response = client.post(
        reverse("recommendations:update_review", args=[world["update"].pk]),
        {"decision": "return", "comment": ""},
    )
    assert response.status_code == 400
    assert "Say what the lead should add or correct" in response.content.decode()
    assert ProgressUpdate.objects.get(pk=world["update"].pk).review_state == "submitted"


def test_lead_sees_the_returned_reason_and_resubmits(client, world, opcc_staff, police_lead_a):
    services_progress.progress_update_return(
        update=world["update"], by=opcc_staff, reason="Give the percentage trained."
    )
    client.force_login(police_lead_a)
    form_url = reverse("recommendations:update_create", args=[world["action"].pk])
    form_page = client.get(form_url).content.decode()
    assert "Give the percentage trained." in form_page
    assert "Training continuing." in form_page  # the returned text, ready to correct
    response = client.post(
        form_url,
        {
            "narrative": "81% trained.",
            "rag": "amber",
            "percent_complete": 81,
            "resubmission_of": world["update"].pk,
        },
    )
    assert response.status_code == 302
    latest = ProgressUpdate.objects.latest("created_at")
    assert latest.resubmission_of == world["update"]
    assert latest.review_state == "submitted"


def test_a_second_review_of_the_same_update_is_refused(client, world, opcc_staff):
    services_progress.progress_update_accept(update=world["update"], by=opcc_staff)
    client.force_login(opcc_staff)
    response = client.post(
        reverse("recommendations:update_review", args=[world["update"].pk]),
        {"decision": "return", "comment": "Late."},
    )
    assert response.status_code == 400
    assert "already accepted" in response.content.decode()


def test_review_queue_lists_only_what_the_user_may_see(
    client, world, action_b, police_lead_b, opcc_staff, opcc_staff_b
):
    services_progress.progress_update_submit(
        action=action_b,
        author=police_lead_b,
        narrative="Force B work.",
        rag="green",
        percent_complete=10,
    )
    client.force_login(opcc_staff)
    content = client.get(reverse("recommendations:review_queue")).content.decode()
    assert "Training continuing." in content
    assert "Force B work." not in content
    client.force_login(opcc_staff_b)
    content = client.get(reverse("recommendations:review_queue")).content.decode()
    assert "Training continuing." not in content
    assert "Force B work." in content


def test_review_queue_counts_each_updates_own_files(
    client, action_a, police_lead_a, opcc_staff, plan_a, recommendation_a
):
    other = factories.ActionFactory(
        plan=plan_a, reference="A2", delivery_lead=police_lead_a, recommendations=[recommendation_a]
    )
    services_progress.progress_update_submit(
        action=action_a,
        author=police_lead_a,
        narrative="With two files.",
        rag="green",
        percent_complete=10,
        uploads=[
            check_upload(SimpleUploadedFile(f"f{n}.pdf", factories.tiny_pdf())) for n in range(2)
        ],
    )
    services_progress.progress_update_submit(
        action=other, author=police_lead_a, narrative="No files.", rag="green", percent_complete=5
    )
    client.force_login(opcc_staff)
    content = client.get(reverse("recommendations:review_queue")).content.decode()
    assert "With two files." in content and "No files." in content
    assert content.count("2 files") == 1
    assert "1 file" not in content


def test_review_queue_names_each_action_with_its_plan_and_force(
    client, action_a, plan_a, police_lead_a, opcc_staff
):
    ActionPlan.objects.filter(pk=plan_a.pk).update(title="Child protection action plan")
    services_progress.progress_update_submit(
        action=action_a, author=police_lead_a, narrative="Done.", rag="green", percent_complete=5
    )
    Action.objects.filter(pk=action_a.pk).update(status=Action.Status.PENDING_SIGN_OFF)
    client.force_login(opcc_staff)
    content = client.get(reverse("recommendations:review_queue")).content.decode()
    assert content.count("A1 (Child protection action plan, Force A Police)</a>") == 2
    dashboard = client.get(reverse("recommendations:dashboard")).content.decode()
    assert dashboard.count("A1 (Child protection action plan, Force A Police)</a>") == 2


# --- Closure --------------------------------------------------------------------------


def test_lead_proposes_and_opcc_signs_off_through_the_pages(
    client, world, police_lead_a, opcc_staff
):
    action = world["action"]
    client.force_login(police_lead_a)
    response = client.post(
        reverse("recommendations:action_propose_completion", args=[action.pk]),
        {"completion_evidence": "All 3,630 frontline staff trained; dip-sample shows use."},
    )
    assert response.status_code == 302
    client.force_login(opcc_staff)
    response = client.post(
        reverse("recommendations:action_sign_off", args=[action.pk]), {"decision": "sign_off"}
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == Action.Status.CLOSED
    assert action.signed_off_by == opcc_staff
    page = client.get(action.get_absolute_url()).content.decode()
    assert f"proposed by {police_lead_a} on" in page
    assert f"signed off by {opcc_staff} on" in page


def test_returning_a_completion_needs_a_reason_and_the_lead_sees_it(
    client, world, police_lead_a, opcc_staff
):
    action = world["action"]
    services_progress.action_propose_completion(
        action=action, by=police_lead_a, completion_evidence="x"
    )
    client.force_login(opcc_staff)
    url = reverse("recommendations:action_sign_off", args=[action.pk])
    response = client.post(url, {"decision": "return", "reason": ""})
    assert response.status_code == 400
    assert "Say what is missing" in response.content.decode()
    client.post(url, {"decision": "return", "reason": "Attach the dip-sample."})
    client.force_login(police_lead_a)
    assert "Attach the dip-sample." in client.get(action.get_absolute_url()).content.decode()


def test_proposing_completion_without_evidence_of_impact_is_refused(client, world, police_lead_a):
    client.force_login(police_lead_a)
    response = client.post(
        reverse("recommendations:action_propose_completion", args=[world["action"].pk]),
        {"completion_evidence": ""},
    )
    assert response.status_code == 400
    assert "Describe the evidence of impact" in response.content.decode()
    assert Action.objects.get(pk=world["action"].pk).status == Action.Status.IN_PROGRESS


# --- Editing actions ------------------------------------------------------------------


def test_a_stale_edit_form_is_refused(client, world, plan_owner_a, police_lead_a):
    action = world["action"]
    client.force_login(plan_owner_a)
    data = {
        "reference": "A1",
        "description": "Edited.",
        "recommendations": [r.pk for r in action.recommendations.all()],
        "delivery_lead": police_lead_a.pk,
        "cadence": "monthly",
        "version": "2000-01-01T00:00:00+00:00",
    }
    response = client.post(reverse("recommendations:action_edit", args=[action.pk]), data)
    assert response.status_code == 409
    assert "Someone else changed" in response.content.decode()
    assert Action.objects.get(pk=action.pk).description != "Edited."


def test_plan_owner_adds_an_action_to_the_plan(
    client, world, plan_owner_a, police_lead_a2, recommendation_a
):
    client.force_login(plan_owner_a)
    url = reverse("recommendations:action_create", args=[world["plan"].pk])
    assert 'value="A3"' in client.get(url).content.decode()  # next free reference
    response = client.post(
        url,
        {
            "reference": "A3",
            "description": "Train custody sergeants.",
            "recommendations": [recommendation_a.pk],
            "delivery_lead": police_lead_a2.pk,
            "target_date": "2027-05-01",
            "cadence": "custom",
            "cadence_days": 45,
        },
    )
    assert response.status_code == 302
    action = Action.objects.get(reference="A3")
    assert action.delivery_lead == police_lead_a2
    assert action.cadence_in_days == 45
    assert action.status == Action.Status.IN_PROGRESS


def test_a_cadence_longer_than_a_year_is_refused(client, world, plan_owner_a, recommendation_a):
    """Found by the bad-input test: a huge number of days overflowed working out the next
    update's date (a server error). Now a clear refusal, nothing saved."""
    client.force_login(plan_owner_a)
    for days in ("366", "4294967296000"):
        response = client.post(
            reverse("recommendations:action_create", args=[world["plan"].pk]),
            {
                "reference": "A3",
                "description": "x",
                "recommendations": [recommendation_a.pk],
                "target_date": "2027-05-01",
                "cadence": "custom",
                "cadence_days": days,
            },
        )
        assert response.status_code == 400
        assert "Updates are due at least once a year: enter 365 days or fewer." in (
            response.content.decode()
        )
    assert not Action.objects.filter(reference="A3").exists()


def test_custom_cadence_without_days_is_refused(client, world, plan_owner_a, recommendation_a):
    client.force_login(plan_owner_a)
    response = client.post(
        reverse("recommendations:action_create", args=[world["plan"].pk]),
        {
            "reference": "A3",
            "description": "x",
            "recommendations": [recommendation_a.pk],
            "target_date": "2027-05-01",
            "cadence": "custom",
        },
    )
    assert response.status_code == 400
    assert "Say every how many days" in response.content.decode()
    assert not Action.objects.filter(reference="A3").exists()


def test_plan_owner_pauses_an_action_with_a_reason(client, world, plan_owner_a):
    client.force_login(plan_owner_a)
    url = reverse("recommendations:action_status", args=[world["action"].pk])
    response = client.post(url, {"status": "paused", "reason": ""})
    assert response.status_code == 400
    assert "Say why the action is paused" in response.content.decode()
    response = client.post(url, {"status": "paused", "reason": "Pilot on hold."})
    assert response.status_code == 302
    action = Action.objects.get(pk=world["action"].pk)
    assert action.status == Action.Status.PAUSED
    assert action.next_update_due is None


def test_a_resubmission_keeps_the_returned_updates_files_unless_unticked(
    client, world, opcc_staff, police_lead_a
):
    second = services_progress.progress_update_submit(
        action=world["action"],
        author=police_lead_a,
        narrative="Training continuing.",
        rag=Rag.AMBER,
        percent_complete=40,
        uploads=[
            check_upload(SimpleUploadedFile("register.pdf", factories.tiny_pdf())),
            check_upload(SimpleUploadedFile("draft.pdf", factories.tiny_pdf("Draft"))),
        ],
    )
    for update in (world["update"], second):
        services_progress.progress_update_return(update=update, by=opcc_staff, reason="Numbers.")
    [kept, dropped] = second.evidence.order_by("pk")
    client.force_login(police_lead_a)
    form_url = reverse("recommendations:update_create", args=[world["action"].pk])

    form_page = client.get(form_url).content.decode()
    assert "register.pdf" in form_page
    assert form_page.count('name="keep_evidence"') == 2
    assert form_page.count("checked") >= 2  # kept by default
    response = client.post(
        form_url,
        {
            "narrative": "81% trained.",
            "rag": "amber",
            "percent_complete": 81,
            "resubmission_of": second.pk,
            "keep_evidence": [kept.pk],
        },
    )

    assert response.status_code == 302
    latest = ProgressUpdate.objects.latest("created_at")
    [linked] = latest.evidence.all()
    assert (linked.original_name, linked.file.name) == (kept.original_name, kept.file.name)
    assert linked.pk != kept.pk
    assert set(second.evidence.all()) == {kept, dropped}  # the returned update keeps its files


def test_action_and_recommendation_pages_keep_the_line_breaks_of_a_description(
    client, opcc_staff, action_a
):
    Action.objects.filter(pk=action_a.pk).update(description="Train staff:\n- CSE\n- missing")
    recommendation = action_a.recommendations.first()
    client.force_login(opcc_staff)
    for url in [action_a.get_absolute_url(), recommendation.get_absolute_url()]:
        assert "Train staff:<br>- CSE<br>- missing" in client.get(url).content.decode()
