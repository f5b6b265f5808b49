"""Changing several recommendations at once: all or nothing, the single page's rules on
every row (two-person closure included), one history entry per changed row with the note
as its reason, and stale rows refused."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from recommendations.models import Action, InspectorateStatusChange, Recommendation
from recommendations.services_bulk import (
    ACTION_OWNER,
    INSPECTORATE_STATUS,
    PRIORITY_AREA,
    STATUS,
    BulkChange,
    BulkRefused,
    recommendations_bulk_preview,
    recommendations_bulk_update,
    selection_version,
)
from tests import factories

S = Recommendation.Status
NOTE = "Agreed at the November board."


def _selection(*recommendations) -> dict[int, str]:
    return {r.pk: selection_version(r) for r in recommendations}


def _update(by, recommendations, **change):
    return recommendations_bulk_update(
        selection=_selection(*recommendations),
        change=BulkChange(note=NOTE, **change),
        by=by,
    )


def _refusals(error) -> dict[str, str]:
    return {row.recommendation.reference: row.refusal for row in error.rows if row.refusal}


@pytest.fixture
def three(report_a):
    return [factories.RecommendationFactory(report=report_a, reference=f"R{i}") for i in (1, 2, 3)]


@pytest.fixture
def other_staff(office_a):
    from oversight.models import User
    from oversight.roles import user_set_role

    user = factories.UserFactory(username="opcc_a2", role=User.Role.OPCC_STAFF, office=office_a)
    return user_set_role(user=user, role=User.Role.OPCC_STAFF)


# --- OPCC status ----------------------------------------------------------------------


def test_status_change_moves_every_row_with_one_history_entry_each(opcc_staff, three):
    before = {r.pk: r.history.count() for r in three}
    rows = _update(opcc_staff, three, kind=STATUS, status=S.IN_PROGRESS)
    assert len(rows) == 3
    for recommendation in three:
        recommendation.refresh_from_db()
        assert recommendation.status == S.IN_PROGRESS
        assert recommendation.history.count() == before[recommendation.pk] + 1
        latest = recommendation.history.latest()
        assert latest.history_change_reason == NOTE
        assert latest.history_user == opcc_staff


def test_the_note_shows_on_the_recommendation_pages_history(client, opcc_staff, three):
    _update(opcc_staff, three, kind=STATUS, status=S.IN_PROGRESS)
    client.force_login(opcc_staff)
    response = client.get(three[0].get_absolute_url())
    assert NOTE in response.content.decode()


def test_one_row_that_cannot_move_leaves_every_row_unchanged(opcc_staff, three):
    Recommendation.objects.filter(pk=three[1].pk).update(
        status=S.NO_ACTION, status_reason="Not for this force."
    )
    three[1].refresh_from_db()
    with pytest.raises(BulkRefused) as refused:
        _update(opcc_staff, three, kind=STATUS, status=S.IN_PROGRESS)
    assert list(_refusals(refused.value)) == ["R2"]
    assert "R2 is no action: it cannot be moved to in progress" in _refusals(refused.value)["R2"]
    assert not refused.value.stale
    assert set(Recommendation.objects.values_list("status", flat=True)) == {S.OPEN, S.NO_ACTION}


def test_closed_for_a_row_nobody_proposed_proposes_it(opcc_staff, three):
    rows = _update(opcc_staff, three[:1], kind=STATUS, status=S.CLOSED)
    three[0].refresh_from_db()
    assert three[0].status == S.PROPOSED_FOR_CLOSURE
    assert three[0].closure_proposed_by == opcc_staff
    assert three[0].closure_rationale == NOTE
    assert "another member of staff signs it off" in rows[0].outcome


def test_the_proposer_cannot_sign_off_in_bulk(opcc_staff, three):
    _update(opcc_staff, three[:1], kind=STATUS, status=S.CLOSED)
    three[0].refresh_from_db()
    with pytest.raises(BulkRefused) as refused:
        _update(opcc_staff, three[:1], kind=STATUS, status=S.CLOSED)
    assert "someone else must sign it off" in _refusals(refused.value)["R1"]
    three[0].refresh_from_db()
    assert three[0].status == S.PROPOSED_FOR_CLOSURE


def test_someone_else_signs_off_in_bulk(opcc_staff, other_staff, three):
    _update(opcc_staff, three[:2], kind=STATUS, status=S.CLOSED)
    for recommendation in three[:2]:
        recommendation.refresh_from_db()
    _update(other_staff, three[:2], kind=STATUS, status=S.CLOSED)
    for recommendation in three[:2]:
        recommendation.refresh_from_db()
        assert recommendation.status == S.CLOSED
        assert recommendation.signed_off_by == other_staff


def test_a_row_with_open_actions_is_not_proposed(opcc_staff, recommendation_a, action_a):
    with pytest.raises(BulkRefused) as refused:
        _update(opcc_staff, [recommendation_a], kind=STATUS, status=S.CLOSED)
    assert f"still open: {action_a.reference}" in _refusals(refused.value)["R1"]


def test_a_row_already_in_the_status_is_refused(opcc_staff, three):
    with pytest.raises(BulkRefused) as refused:
        _update(opcc_staff, three[:1], kind=STATUS, status=S.OPEN)
    assert "R1 is already open" in _refusals(refused.value)["R1"]


# --- Stale rows -------------------------------------------------------------------------


def test_a_row_changed_since_the_register_was_drawn_is_stale(opcc_staff, three):
    selection = _selection(*three)
    three[2].text = "Changed by someone else."
    three[2].save()
    with pytest.raises(BulkRefused) as refused:
        recommendations_bulk_update(
            selection=selection,
            change=BulkChange(kind=STATUS, note=NOTE, status=S.IN_PROGRESS),
            by=opcc_staff,
        )
    assert refused.value.stale
    assert "Someone changed R3 after you opened the register" in _refusals(refused.value)["R3"]
    assert not Recommendation.objects.filter(status=S.IN_PROGRESS).exists()


def test_the_same_submit_twice_is_refused_as_stale(opcc_staff, three):
    selection = _selection(*three)
    change = BulkChange(kind=STATUS, note=NOTE, status=S.IN_PROGRESS)
    recommendations_bulk_update(selection=selection, change=change, by=opcc_staff)
    with pytest.raises(BulkRefused) as refused:
        recommendations_bulk_update(selection=selection, change=change, by=opcc_staff)
    assert refused.value.stale
    assert all(row.stale for row in refused.value.rows)


# --- Permissions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona", ["read_only", "plan_owner_a", "police_lead_a", "partner_lead", "police_lead_b"]
)
def test_only_opcc_staff_change_in_bulk(request, persona, three):
    with pytest.raises(PermissionDenied):
        _update(request.getfixturevalue(persona), three, kind=STATUS, status=S.IN_PROGRESS)
    assert not Recommendation.objects.exclude(status=S.OPEN).exists()


def test_a_row_the_user_cannot_see_refuses_them_all(opcc_staff_b, recommendation_b, three):
    with pytest.raises(PermissionDenied):
        _update(opcc_staff_b, [recommendation_b, *three], kind=STATUS, status=S.IN_PROGRESS)
    assert not Recommendation.objects.exclude(status=S.OPEN).exists()


def test_an_empty_selection_is_refused(opcc_staff, db):
    with pytest.raises(ValidationError):
        _update(opcc_staff, [], kind=STATUS, status=S.IN_PROGRESS)


def test_the_preview_saves_nothing(opcc_staff, three):
    rows = recommendations_bulk_preview(
        selection=_selection(*three),
        change=BulkChange(kind=STATUS, note=NOTE, status=S.IN_PROGRESS),
        by=opcc_staff,
    )
    assert [row.outcome for row in rows] == ["Open → in progress"] * 3
    assert not Recommendation.objects.exclude(status=S.OPEN).exists()
    assert not Recommendation.history.filter(history_type="~").exists()


# --- HMICFRS status ---------------------------------------------------------------------


def test_hmicfrs_status_is_logged_for_every_row(opcc_staff, three):
    day = datetime.date(2026, 10, 1)
    _update(
        opcc_staff,
        three,
        kind=INSPECTORATE_STATUS,
        status=Recommendation.InspectorateStatus.BEING_PROGRESSED,
        changed_on=day,
        source_url="https://www.justiceinspectorates.gov.uk/hmicfrs/",
    )
    changes = InspectorateStatusChange.objects.filter(recommendation__in=three)
    assert changes.count() == 3
    assert {c.comment for c in changes} == {NOTE}
    for recommendation in three:
        recommendation.refresh_from_db()
        assert recommendation.inspectorate_status == "being_progressed"
        assert recommendation.inspectorate_status_on == day
        assert recommendation.history.latest().history_change_reason == NOTE


def test_hmicfrs_status_before_a_reports_publication_refuses_all(opcc_staff, three, force_a):
    later = factories.InspectionReportFactory(
        force=force_a, published_on=datetime.date(2026, 10, 15)
    )
    late = factories.RecommendationFactory(report=later, reference="R9")
    with pytest.raises(BulkRefused) as refused:
        _update(
            opcc_staff,
            [*three, late],
            kind=INSPECTORATE_STATUS,
            status="being_progressed",
            changed_on=datetime.date(2026, 10, 1),
        )
    assert "published on 15 October 2026" in _refusals(refused.value)["R9"]
    assert not InspectorateStatusChange.objects.exists()


# --- Owner of the open actions ----------------------------------------------------------


def test_open_actions_get_the_new_owner(opcc_staff, recommendation_a, plan_a, plan_owner_a):
    new_owner = factories.UserFactory(username="acc_a2", role="plan_owner", force=plan_a.force)
    live = factories.ActionFactory(
        plan=plan_a, owner=plan_owner_a, recommendations=[recommendation_a]
    )
    done = factories.ActionFactory(
        plan=plan_a,
        owner=plan_owner_a,
        status=Action.Status.NOT_NEEDED,
        status_reason="Covered by another action.",
        recommendations=[recommendation_a],
    )
    before = recommendation_a.history.count()
    _update(opcc_staff, [recommendation_a], kind=ACTION_OWNER, person=new_owner)
    live.refresh_from_db()
    done.refresh_from_db()
    assert live.owner == new_owner
    assert done.owner == plan_owner_a  # a finished action keeps its owner
    assert live.history.latest().history_change_reason == NOTE
    assert recommendation_a.history.count() == before + 1


def test_someone_who_cannot_own_the_forces_actions_is_refused(
    opcc_staff, recommendation_a, action_a, police_lead_a
):
    with pytest.raises(BulkRefused) as refused:
        _update(opcc_staff, [recommendation_a], kind=ACTION_OWNER, person=police_lead_a)
    assert "choose an active plan owner of Force A Police" in _refusals(refused.value)["R1"]


def test_a_row_without_open_actions_is_refused(opcc_staff, three, plan_owner_a):
    with pytest.raises(BulkRefused) as refused:
        _update(opcc_staff, three[:1], kind=ACTION_OWNER, person=plan_owner_a)
    assert "has no open actions" in _refusals(refused.value)["R1"]


# --- Priority area ----------------------------------------------------------------------


def test_rows_are_added_to_the_priority_area_with_one_history_entry(opcc_staff, three, report_a):
    area = factories.PriorityAreaFactory(report=report_a, title="Missing children")
    before = {r.pk: r.history.count() for r in three}
    _update(opcc_staff, three, kind=PRIORITY_AREA, area=area)
    for recommendation in three:
        assert list(recommendation.priority_areas.all()) == [area]
        assert recommendation.history.count() == before[recommendation.pk] + 1
        assert recommendation.history.latest().history_change_reason == NOTE


def test_a_row_of_another_report_is_refused_by_name(opcc_staff, three, report_a, force_a):
    area = factories.PriorityAreaFactory(report=report_a, title="Missing children")
    other = factories.InspectionReportFactory(force=force_a, title="Custody revisited")
    stranger = factories.RecommendationFactory(report=other, reference="R7")
    with pytest.raises(BulkRefused) as refused:
        _update(opcc_staff, [*three, stranger], kind=PRIORITY_AREA, area=area)
    refusals = _refusals(refused.value)
    assert list(refusals) == ["R7"]
    assert "R7 (in “Custody revisited”) cannot join it" in refusals["R7"]
    assert not Recommendation.priority_areas.through.objects.exists()
