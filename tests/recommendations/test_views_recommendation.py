"""The recommendation page, its status buttons, editing, adding one and pasting several."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from oversight.models import InspectionReport
from oversight.shared.concurrency import version_of
from recommendations.models import Action, Evidence, Recommendation
from recommendations.services import inspectorate_status_record, recommendation_transition
from tests import factories
from tests.html import Page

S = Recommendation.Status
READERS = ["opcc_staff", "read_only", "plan_owner_a", "police_lead_a"]


def _detail(recommendation):
    return reverse("recommendations:recommendation_detail", args=[recommendation.pk])


def _move_url(recommendation):
    return reverse("recommendations:recommendation_transition", args=[recommendation.pk])


def _propose(recommendation, plan_owner, rationale: str) -> None:
    recommendation_transition(
        recommendation=recommendation,
        to_status=S.PROPOSED_FOR_CLOSURE,
        by=plan_owner,
        reason=rationale,
    )


def _buttons(response) -> list[str]:
    return [form.transition.label for form in response.context["transition_forms"]]


# --- The page -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", READERS)
def test_detail_shows_the_recommendation_to_its_readers(client, request, persona, recommendation_a):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(_detail(recommendation_a))
    assert response.status_code == 200
    assert recommendation_a.text.encode() in response.content


def test_detail_shows_a_partner_the_recommendation_its_action_serves(
    client, partner_lead, partner_action_a, action_a
):
    client.force_login(partner_lead)
    response = client.get(_detail(partner_action_a.recommendations.get()))
    assert response.status_code == 200
    assert [a.reference for a in response.context["actions"]] == ["A2"]


@pytest.mark.parametrize("persona", ["opcc_staff_b", "police_lead_b", "partner_lead"])
def test_detail_is_not_found_for_outsiders(client, request, persona, recommendation_a):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(_detail(recommendation_a)).status_code == 404


def test_detail_redirects_anonymous_to_login(client, recommendation_a):
    assert client.get(_detail(recommendation_a))["Location"].startswith(reverse("login"))


def test_detail_refuses_post(client, opcc_staff, recommendation_a):
    client.force_login(opcc_staff)
    assert client.post(_detail(recommendation_a)).status_code == 405


def test_detail_shows_the_chain_of_actions_updates_and_evidence(
    client, opcc_staff, recommendation_a, action_a
):
    Action.objects.filter(pk=action_a.pk).update(
        revised_target_date=datetime.date(2027, 6, 30), revision_reason="Recruitment delayed."
    )
    for day in (1, 2, 3, 4):
        factories.ProgressUpdateFactory(
            action=action_a, written_on=datetime.date(2026, 10, day), narrative=f"Update {day}."
        )
    client.force_login(opcc_staff)
    response = client.get(_detail(recommendation_a))
    content = response.content.decode()
    action = response.context["actions"][0]
    assert [u.narrative for u in action.latest_updates] == ["Update 4.", "Update 3.", "Update 2."]
    assert "Recruitment delayed." in content
    assert "31 Mar 2027" in content  # the original target, kept beside the revised one
    assert "30 Jun 2027" in content


def test_each_action_shows_its_own_three_latest_updates_ties_newest_entry_first(
    client, opcc_staff, recommendation_a, action_a, partner_action_a
):
    # Police lead A's action: five updates, the last three written on the same day.
    for day, narrative in ((1, "A first."), (2, "A second."), (5, "A3"), (5, "A4"), (5, "A5")):
        factories.ProgressUpdateFactory(
            action=action_a, written_on=datetime.date(2026, 10, day), narrative=narrative
        )
    # The partner's action: two updates, written after all of A's.
    for day in (8, 9):
        factories.ProgressUpdateFactory(
            action=partner_action_a,
            written_on=datetime.date(2026, 10, day),
            narrative=f"Partner {day}.",
        )
    client.force_login(opcc_staff)
    response = client.get(_detail(recommendation_a))
    latest = {
        action.reference: [u.narrative for u in action.latest_updates]
        for action in response.context["actions"]
    }
    assert latest == {"A1": ["A5", "A4", "A3"], "A2": ["Partner 9.", "Partner 8."]}


def test_detail_shows_the_change_history(client, opcc_staff, recommendation_a):
    recommendation_transition(
        recommendation=recommendation_a,
        to_status=S.NO_ACTION,
        by=opcc_staff,
        reason="The force disagreed and the PCC accepted it.",
    )
    client.force_login(opcc_staff)
    response = client.get(_detail(recommendation_a))
    history = response.context["history"]
    assert history[0].what == "Status changed to no action"
    assert history[0].who == str(opcc_staff)
    assert ("status", "Open", "No action") in [(c.field, c.old, c.new) for c in history[0].changes]
    assert "The force disagreed and the PCC accepted it." in response.content.decode()


def test_the_history_names_the_proposer_with_the_people_already_read(
    client, opcc_staff, plan_owner_a, recommendation_a
):
    _propose(recommendation_a, plan_owner_a, "Delivered.")
    client.force_login(opcc_staff)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_detail(recommendation_a))
    proposal = response.context["history"][0]
    assert proposal.who == str(plan_owner_a)
    changes = {c.field: (c.old, c.new) for c in proposal.changes}
    assert changes["closure proposed by"] == ("—", str(plan_owner_a))
    # The people are named from the page's own reads: the signed-in user is the only
    # person read on their own.
    people = [q for q in queries if q["sql"].startswith('SELECT "oversight_user"."id"')]
    assert len(people) == 1


def test_detail_query_count_does_not_grow_with_actions_and_updates(
    client,
    opcc_staff,
    recommendation_a,
    plan_a,
    police_lead_a,
    django_assert_num_queries,
    monkeypatch,
):
    from oversight.shared import panels

    monkeypatch.setitem(panels._registry, "recommendation_detail", [])
    for _ in range(5):
        action = factories.ActionFactory(
            plan=plan_a, delivery_lead=police_lead_a, recommendations=[recommendation_a]
        )
        factories.ProgressUpdateFactory.create_batch(4, action=action)
    client.force_login(opcc_staff)
    # 1 session, 2 user (with organisation and unread notifications), 3 recommendation
    # (with report, force, cause, people; RAG annotated; whether it supersedes any and has
    # an inspectorate log), 4 its priority areas, 5 its actions (with leads and agency;
    # whether each has evidence), 6 their latest updates, 7 its history, 8 the
    # recommendations that may supersede or cover it (one read for both forms). It
    # supersedes none, has no inspectorate log and its actions no evidence: none is read.
    with django_assert_num_queries(8):
        client.get(_detail(recommendation_a))


def test_detail_reads_what_it_supersedes_evidence_and_the_log_only_where_there_are_any(
    client,
    opcc_staff,
    police_lead_a,
    report_a,
    recommendation_a,
    action_a,
    plan_a,
    django_assert_num_queries,
    monkeypatch,
):
    from oversight.shared import panels

    monkeypatch.setitem(panels._registry, "recommendation_detail", [])
    bare = factories.ActionFactory(plan=plan_a, reference="A2", recommendations=[recommendation_a])
    Evidence.objects.create(
        action=action_a,
        file="evidence/2026/11/minutes.pdf",
        original_name="Board minutes.pdf",
        content_type="application/pdf",
        size=1200,
        sha256="0" * 64,
        uploaded_by=police_lead_a,
    )
    older = factories.RecommendationFactory(report=report_a, reference="R0")
    Recommendation.objects.filter(pk=older.pk).update(superseded_by=recommendation_a)
    inspectorate_status_record(
        recommendation=recommendation_a,
        by=opcc_staff,
        status="being_progressed",
        changed_on=report_a.published_on,
    )
    client.force_login(opcc_staff)
    # As the test above, and 3 more: 6 the recommendations it supersedes, 8 the evidence
    # of the action that has some, 10 its inspectorate log.
    with django_assert_num_queries(11):
        response = client.get(_detail(recommendation_a))
    actions = {a.pk: a for a in response.context["actions"]}
    assert [f.original_name for f in actions[action_a.pk].files] == ["Board minutes.pdf"]
    assert actions[bare.pk].files == []
    assert response.context["recommendation"].visible_supersedes == [older]
    assert [c.status for c in response.context["inspectorate_log"]] == ["being_progressed"]
    content = response.content.decode()
    assert "Board minutes.pdf" in content
    assert "Supersedes" in content and older.get_absolute_url() in content


# --- Status buttons -------------------------------------------------------------------


def test_opcc_staff_see_the_moves_open_allows(client, opcc_staff, recommendation_a):
    client.force_login(opcc_staff)
    response = client.get(_detail(recommendation_a))
    assert _buttons(response) == [
        "Mark in progress",
        "Propose for closure",
        "Mark superseded",
        "Mark covered by another",
        "Record no action",
    ]


@pytest.mark.parametrize("persona", ["read_only", "police_lead_a"])
def test_readers_see_no_status_buttons(client, request, persona, recommendation_a):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(_detail(recommendation_a))
    assert _buttons(response) == []
    assert _move_url(recommendation_a).encode() not in response.content


def test_plan_owner_sees_only_propose_for_closure(client, plan_owner_a, recommendation_a):
    client.force_login(plan_owner_a)
    assert _buttons(client.get(_detail(recommendation_a))) == ["Propose for closure"]


def test_propose_is_replaced_by_the_open_actions_while_any_is_open(
    client, opcc_staff, recommendation_a, action_a
):
    client.force_login(opcc_staff)
    response = client.get(_detail(recommendation_a))
    assert "Propose for closure" not in _buttons(response)
    assert [a.reference for a in response.context["proposal_blocked"]["actions"]] == ["A1"]
    assert "Not ready to propose for closure" in response.content.decode()


def test_moving_to_in_progress(client, opcc_staff, recommendation_a):
    client.force_login(opcc_staff)
    response = client.post(_move_url(recommendation_a), {"to_status": S.IN_PROGRESS})
    assert response.status_code == 302
    recommendation_a.refresh_from_db()
    assert recommendation_a.status == S.IN_PROGRESS


def test_closing_without_a_rationale_says_so_next_to_the_field(
    client, opcc_staff, plan_owner_a, recommendation_a
):
    _propose(recommendation_a, plan_owner_a, "Delivered.")
    client.force_login(opcc_staff)
    response = client.post(_move_url(recommendation_a), {"to_status": S.CLOSED, "reason": ""})
    assert response.status_code == 400
    form = next(f for f in response.context["transition_forms"] if f.errors)
    assert form.errors["reason"][0].startswith("Closure rationale: write a sentence or two")
    # Next to the box, which is marked invalid and opened; the other forms are not.
    page = Page(response.content)
    assert "is-invalid" in page.classes("id_closed_reason")
    assert page.attrs("id_closed_reason")["aria-invalid"] == "true"
    assert page.text("id_closed_reason_error").startswith("Closure rationale: write a sentence")
    assert page.classes("id_closed_reason") == ["form-control", "is-invalid"]
    recommendation_a.refresh_from_db()
    assert recommendation_a.status == S.PROPOSED_FOR_CLOSURE


def test_sign_off_form_starts_from_the_proposers_rationale(
    client, opcc_staff, plan_owner_a, recommendation_a
):
    _propose(recommendation_a, plan_owner_a, "Dip sample shows every case allocated.")
    client.force_login(opcc_staff)
    response = client.get(_detail(recommendation_a))
    assert _buttons(response) == [
        "Sign off and close",
        "Return: not ready to close",
        "Mark superseded",
    ]
    assert response.context["transition_forms"][0]["reason"].value() == (
        "Dip sample shows every case allocated."
    )


def test_the_proposer_cannot_sign_off_their_own_proposal(client, opcc_staff, recommendation_a):
    client.force_login(opcc_staff)
    client.post(
        _move_url(recommendation_a), {"to_status": S.PROPOSED_FOR_CLOSURE, "reason": "Done."}
    )
    response = client.post(_move_url(recommendation_a), {"to_status": S.CLOSED, "reason": "Done."})
    assert response.status_code == 400
    assert "someone else must sign it off" in response.content.decode()
    recommendation_a.refresh_from_db()
    assert recommendation_a.status == S.PROPOSED_FOR_CLOSURE


def test_superseding_offers_only_recommendations_the_user_can_see(
    client, opcc_staff, recommendation_a, recommendation_b, report_a
):
    later = factories.RecommendationFactory(report=report_a, reference="R8")
    client.force_login(opcc_staff)
    response = client.get(_detail(recommendation_a))
    form = next(
        f for f in response.context["transition_forms"] if f.transition.needs == "superseded_by"
    )
    assert list(form.fields["superseded_by"].queryset) == [later]
    response = client.post(
        _move_url(recommendation_a),
        {"to_status": S.SUPERSEDED, "superseded_by": recommendation_b.pk},
    )
    assert response.status_code == 400
    recommendation_a.refresh_from_db()
    assert recommendation_a.status == S.OPEN


def test_superseding(client, opcc_staff, recommendation_a, report_a):
    later = factories.RecommendationFactory(report=report_a, reference="R8")
    client.force_login(opcc_staff)
    client.post(_move_url(recommendation_a), {"to_status": S.SUPERSEDED, "superseded_by": later.pk})
    recommendation_a.refresh_from_db()
    assert (recommendation_a.status, recommendation_a.superseded_by) == (S.SUPERSEDED, later)


@pytest.mark.parametrize("persona", ["read_only", "police_lead_a"])
def test_readers_cannot_move_a_recommendation(client, request, persona, recommendation_a):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(_move_url(recommendation_a), {"to_status": S.IN_PROGRESS})
    assert response.status_code == 403
    recommendation_a.refresh_from_db()
    assert recommendation_a.status == S.OPEN


def test_plan_owner_cannot_mark_in_progress(client, plan_owner_a, recommendation_a):
    client.force_login(plan_owner_a)
    client.post(_move_url(recommendation_a), {"to_status": S.IN_PROGRESS})
    recommendation_a.refresh_from_db()
    assert recommendation_a.status == S.OPEN


def test_a_move_no_longer_possible_explains_and_shows_the_current_status(
    client, opcc_staff, recommendation_a
):
    recommendation_transition(
        recommendation=recommendation_a, to_status=S.NO_ACTION, by=opcc_staff, reason="Not needed."
    )
    client.force_login(opcc_staff)
    response = client.post(_move_url(recommendation_a), {"to_status": S.IN_PROGRESS}, follow=True)
    assert "that change is no longer possible" in response.content.decode()


@pytest.mark.parametrize("persona", ["opcc_staff_b", "partner_lead"])
def test_moving_is_not_found_for_outsiders(client, request, persona, recommendation_a):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(_move_url(recommendation_a), {"to_status": S.IN_PROGRESS}).status_code == 404


def test_moving_redirects_anonymous_and_refuses_get(client, opcc_staff, recommendation_a):
    assert client.post(_move_url(recommendation_a))["Location"].startswith(reverse("login"))
    client.force_login(opcc_staff)
    assert client.get(_move_url(recommendation_a)).status_code == 405


# --- Edit -----------------------------------------------------------------------------


def _edit_data(recommendation, **overrides):
    data = {
        "reference": recommendation.reference,
        "kind": recommendation.kind,
        "text": recommendation.text,
        "timescale": recommendation.timescale,
        "due_on": "2026-12-01",
        "force_acceptance": "",
        "inspectorate_status": recommendation.inspectorate_status,
        "version": version_of(recommendation),
    }
    return data | overrides


def test_edit_saves(client, opcc_staff, recommendation_a):
    area = factories.PriorityAreaFactory(report=recommendation_a.report)
    client.force_login(opcc_staff)
    url = reverse("recommendations:recommendation_edit", args=[recommendation_a.pk])
    response = client.post(
        url, _edit_data(recommendation_a, text="Reworded.", priority_areas=[area.pk])
    )
    assert response.status_code == 302
    recommendation_a.refresh_from_db()
    assert recommendation_a.text == "Reworded."
    assert list(recommendation_a.priority_areas.all()) == [area]


def test_edit_with_a_stale_form_overwrites_nothing(client, opcc_staff, recommendation_a):
    client.force_login(opcc_staff)
    url = reverse("recommendations:recommendation_edit", args=[recommendation_a.pk])
    stale = _edit_data(recommendation_a)
    assert client.post(url, stale | {"text": "First."}).status_code == 302
    response = client.post(url, stale | {"text": "Second."})
    assert response.status_code == 409
    assert "Someone else changed this recommendation" in response.content.decode()
    recommendation_a.refresh_from_db()
    assert recommendation_a.text == "First."


def test_edit_explains_a_clashing_reference(client, opcc_staff, recommendation_a, report_a):
    factories.RecommendationFactory(report=report_a, reference="R2")
    client.force_login(opcc_staff)
    url = reverse("recommendations:recommendation_edit", args=[recommendation_a.pk])
    response = client.post(url, _edit_data(recommendation_a, reference="r2"))
    assert response.status_code == 400
    assert "already has a recommendation r2" in response.content.decode()


@pytest.mark.parametrize("persona", ["read_only", "plan_owner_a", "police_lead_a"])
def test_edit_is_forbidden_to_readers(client, request, persona, recommendation_a):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("recommendations:recommendation_edit", args=[recommendation_a.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, _edit_data(recommendation_a, text="Hacked.")).status_code == 403


def test_edit_is_not_found_for_another_office(client, opcc_staff_b, recommendation_a):
    client.force_login(opcc_staff_b)
    url = reverse("recommendations:recommendation_edit", args=[recommendation_a.pk])
    assert client.get(url).status_code == 404


def test_edit_redirects_anonymous_and_refuses_put(client, opcc_staff, recommendation_a):
    url = reverse("recommendations:recommendation_edit", args=[recommendation_a.pk])
    assert client.get(url)["Location"].startswith(reverse("login"))
    client.force_login(opcc_staff)
    assert client.put(url).status_code == 405


# --- Add one --------------------------------------------------------------------------


def test_create_adds_a_recommendation_with_its_due_date(client, opcc_staff, report_a):
    client.force_login(opcc_staff)
    response = client.post(
        reverse("recommendations:recommendation_create", args=[report_a.pk]),
        {
            "reference": "R1",
            "kind": "recommendation",
            "text": "Within three months, do it.",
            "timescale": "3_months",
            "inspectorate_status": "awaiting_review",
        },
    )
    assert response.status_code == 302
    assert Recommendation.objects.get(report=report_a).due_on == datetime.date(2026, 12, 1)


def test_create_with_htmx_returns_the_form_into_its_slot(client, opcc_staff, report_a):
    client.force_login(opcc_staff)
    url = reverse("recommendations:recommendation_create", args=[report_a.pk])
    response = client.post(url, {"reference": "", "text": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#form-slot-recommendations"


@pytest.mark.parametrize("persona", ["read_only", "plan_owner_a", "police_lead_a"])
def test_create_is_forbidden_to_readers(client, request, persona, report_a):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("recommendations:recommendation_create", args=[report_a.pk])
    assert client.get(url).status_code == 403


def test_create_is_not_found_for_another_office_and_refuses_put(client, opcc_staff_b, report_a):
    client.force_login(opcc_staff_b)
    url = reverse("recommendations:recommendation_create", args=[report_a.pk])
    assert client.get(url).status_code == 404
    assert client.put(url).status_code == 405


def test_create_redirects_anonymous(client, report_a):
    url = reverse("recommendations:recommendation_create", args=[report_a.pk])
    assert client.get(url)["Location"].startswith(reverse("login"))


# --- Paste several --------------------------------------------------------------------

PASTED = """1. Immediately, the force should do the first thing.
2. Within three months, the force should do the second thing.
3. Within six months, the force should do the third thing."""


def _paste_url(report):
    return reverse("recommendations:recommendation_paste", args=[report.pk])


def test_paste_shows_what_was_read_before_saving_anything(client, opcc_staff, report_a):
    client.force_login(opcc_staff)
    response = client.post(_paste_url(report_a), {"step": "preview", "text": PASTED})
    assert response.status_code == 200
    rows = response.context["confirm_form"].rows()
    assert [(r["reference"].value(), r["timescale"].value()) for r in rows] == [
        ("R1", "immediately"),
        ("R2", "3_months"),
        ("R3", "6_months"),
    ]
    assert not Recommendation.objects.exists()


def test_paste_confirm_saves_them_all_with_their_priority_areas(client, opcc_staff, report_a):
    area_1 = factories.PriorityAreaFactory(report=report_a)
    area_2 = factories.PriorityAreaFactory(report=report_a)
    client.force_login(opcc_staff)
    response = client.post(
        _paste_url(report_a),
        {
            "step": "confirm",
            "text": PASTED,
            "reference_0": "R1",
            "timescale_0": "immediately",
            "areas_0": [area_1.pk],
            "reference_1": "R2",
            "timescale_1": "3_months",
            "areas_1": [area_1.pk, area_2.pk],
            "reference_2": "R3A",
            "timescale_2": "12_months",
        },
    )
    assert response.status_code == 302
    saved = list(Recommendation.objects.filter(report=report_a).order_by("position"))
    assert [(r.reference, r.timescale, r.position) for r in saved] == [
        ("R1", "immediately", 1),
        ("R2", "3_months", 2),
        ("R3A", "12_months", 3),
    ]
    assert set(saved[1].priority_areas.all()) == {area_1, area_2}
    assert saved[2].due_on == datetime.date(2027, 9, 1)


def test_paste_of_text_without_numbers_explains_next_to_the_text(client, opcc_staff, report_a):
    client.force_login(opcc_staff)
    response = client.post(_paste_url(report_a), {"step": "preview", "text": "Do better."})
    assert response.status_code == 400
    assert response.context["paste_form"].errors["text"][0].startswith("No numbered")


def test_paste_confirm_with_a_clashing_reference_saves_nothing(
    client, opcc_staff, report_a, recommendation_a
):
    client.force_login(opcc_staff)
    response = client.post(
        _paste_url(report_a),
        {
            "step": "confirm",
            "text": "2. Immediately, a.\n3. Immediately, b.",
            "reference_0": "R2",
            "timescale_0": "immediately",
            "reference_1": "R1",
            "timescale_1": "immediately",
        },
    )
    assert response.status_code == 400
    assert "already has a recommendation R1" in response.content.decode()
    assert list(Recommendation.objects.values_list("reference", flat=True)) == ["R1"]


def test_paste_back_to_the_text_keeps_it(client, opcc_staff, report_a):
    client.force_login(opcc_staff)
    response = client.post(_paste_url(report_a), {"step": "edit", "text": PASTED})
    assert response.status_code == 200
    assert response.context["paste_form"]["text"].value() == PASTED


@pytest.mark.parametrize("persona", ["read_only", "plan_owner_a", "police_lead_a"])
def test_paste_is_forbidden_to_readers(client, request, persona, report_a):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(_paste_url(report_a), {"step": "preview", "text": PASTED}).status_code == 403


def test_paste_is_not_found_for_another_office(client, opcc_staff_b, report_a):
    client.force_login(opcc_staff_b)
    assert client.get(_paste_url(report_a)).status_code == 404


def test_paste_redirects_anonymous_and_refuses_put(client, opcc_staff, report_a):
    assert client.get(_paste_url(report_a))["Location"].startswith(reverse("login"))
    client.force_login(opcc_staff)
    assert client.put(_paste_url(report_a)).status_code == 405


def _long_paste(characters: int) -> str:
    """Numbered recommendations, about 1,000 characters each, `characters` long in all."""
    wording = "Within three months, the force should review its records. " * 17
    items = [f"{number}. {wording}" for number in range(1, characters // len(wording) + 2)]
    return "\n".join(items)[: characters - 1] + "."


def test_paste_over_the_limit_is_refused_with_the_limit_and_what_to_do(
    client, opcc_staff, report_a
):
    client.force_login(opcc_staff)
    text = _long_paste(120_000)
    response = client.post(_paste_url(report_a), {"step": "preview", "text": text})
    assert response.status_code == 400
    assert response.context["paste_form"].errors["text"] == [
        "The pasted text has 120,000 characters; at most 100,000 can be read at a time. "
        "Split it: paste the first part, add those recommendations, then paste the rest."
    ]
    assert "confirm_form" not in response.context


def test_paste_confirm_over_the_limit_saves_nothing(client, opcc_staff, report_a):
    client.force_login(opcc_staff)
    data = {"step": "confirm", "text": _long_paste(120_000)}
    for index in range(120):
        data[f"reference_{index}"] = f"R{index + 1}"
        data[f"timescale_{index}"] = "3_months"
    response = client.post(_paste_url(report_a), data)
    assert response.status_code == 400
    assert "at most 100,000" in response.content.decode()
    assert not Recommendation.objects.exists()


def test_paste_box_does_not_cut_a_long_paste_short(client, opcc_staff, report_a):
    """A maxlength on the box makes the browser drop whatever is pasted beyond it, without
    a word: the server checks the length instead, and says what to do."""
    client.force_login(opcc_staff)
    response = client.get(_paste_url(report_a))
    assert response.status_code == 200
    assert "maxlength" not in response.content.decode()
    assert "100,000 characters" in response.content.decode()


def test_paste_onto_a_report_dated_year_one_saves_nothing(client, opcc_staff, report_a):
    """A report logged before dates had a range: the due dates worked out from its
    publication date would be in year 1, and reminders would escalate at once."""
    InspectionReport.objects.filter(pk=report_a.pk).update(published_on=datetime.date(1, 7, 1))
    client.force_login(opcc_staff)
    response = client.post(
        _paste_url(report_a),
        {"step": "confirm", "text": PASTED, "reference_0": "R1", "timescale_0": "immediately"}
        | {"reference_1": "R2", "timescale_1": "3_months"}
        | {"reference_2": "R3", "timescale_2": "6_months"},
    )
    assert response.status_code == 400
    assert "Enter a date from 1 January 2000 to" in response.content.decode()
    assert not Recommendation.objects.exists()


def test_the_rag_shows_in_the_users_language(client, opcc_staff, recommendation_a, plan_a):
    factories.ActionFactory(plan=plan_a, rag="amber", recommendations=[recommendation_a])
    opcc_staff.language = "cy"
    opcc_staff.save(update_fields=["language"])
    client.force_login(opcc_staff)
    html = client.get(_detail(recommendation_a)).content.decode()
    # The recommendation's RAG in its heading and its action's RAG.
    assert html.count('<span class="rag rag-amber">Ambr</span>') == 2
    assert ">Amber<" not in html


def test_each_action_is_drawn_with_its_people_dates_latest_updates_and_files(
    client, opcc_staff, plan_a, recommendation_a, police_lead_a, plan_owner_a, agency
):
    from django.utils.html import escape

    drawn = factories.ActionFactory(
        plan=plan_a,
        reference="A7",
        recommendations=[recommendation_a],
        description="First line <script>x</script>\nSecond line",
        delivery_lead=police_lead_a,
        owner=plan_owner_a,
        partner_agency=agency,
        target_date=datetime.date(2027, 3, 31),
        revised_target_date=datetime.date(2027, 6, 30),
        revision_reason="Board <b>agreed</b>",
        success_measure="Fewer & faster",
        cadence=Action.Cadence.QUARTERLY,
        next_update_due=datetime.date(2027, 1, 15),
    )
    for day, narrative in enumerate(["Oldest", "Older", "Recent", "Newest <i>"], start=1):
        factories.ProgressUpdateFactory(
            action=drawn, written_on=datetime.date(2026, 10, day), narrative=narrative
        )
    Evidence.objects.create(
        action=drawn,
        file="evidence/plan.pdf",
        original_name="plan <1>.pdf",
        content_type="application/pdf",
        size=2048,
        sha256="0" * 64,
        uploaded_by=police_lead_a,
    )
    quiet = factories.ActionFactory(
        plan=plan_a,
        reference="A8",
        recommendations=[recommendation_a],
        delivery_lead=None,
        status=Action.Status.PAUSED,
        status_reason="Waiting for the new system.",
    )
    client.force_login(opcc_staff)
    html = client.get(_detail(recommendation_a)).content.decode()

    def card(action) -> str:
        start = html.index(f'<article class="card mb-3 rec-action" id="action-{action.pk}">')
        return html[start : html.index("</article>", start)]

    drawn_card = card(drawn)
    assert "A7</a> · First line &lt;script&gt;x&lt;/script&gt;<br>Second line</h3>" in drawn_card
    lead = f"{escape(police_lead_a)} · {escape(agency)} · accountable: {escape(plan_owner_a)}"
    assert lead in drawn_card
    assert "30 Jun 2027" in drawn_card and "originally <del>31 Mar 2027</del>" in drawn_card
    assert "Why revised: Board &lt;b&gt;agreed&lt;/b&gt;" in drawn_card
    assert "15 Jan 2027 · quarterly updates" in drawn_card
    assert "Fewer &amp; faster" in drawn_card
    # The three latest updates, newest first; the oldest is left to the action's page.
    newest, third, second = (
        drawn_card.index(f"<div>{text}</div>") for text in ("Newest &lt;i&gt;", "Recent", "Older")
    )
    assert newest < third < second and "Oldest" not in drawn_card
    assert "plan &lt;1&gt;.pdf</a>" in drawn_card and "2.0" in drawn_card
    assert "<script>" not in html and "<i>" not in drawn_card

    quiet_card = card(quiet)
    assert "Not allocated" in quiet_card
    assert "No progress updates yet." in quiet_card
    assert "Next update due" not in quiet_card  # a paused action expects none
