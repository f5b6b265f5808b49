"""Services for action plans, actions, progress updates and two-person closure."""

import datetime
import os

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from oversight.shared.concurrency import StaleEditError, version_of
from oversight.shared.uploads import check_upload
from recommendations import services
from recommendations.models import Action, ActionPlan, Evidence, ProgressUpdate, Rag
from tests import factories

TODAY = datetime.date(2026, 11, 10)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(datetime.datetime(2026, 11, 10, 10, 0, tzinfo=datetime.UTC)):
        yield


def _pdf(name="report.pdf"):
    return check_upload(SimpleUploadedFile(name, factories.tiny_pdf(), "application/pdf"))


def _submit(action, author, **overrides):
    arguments = {"narrative": "Done some.", "rag": Rag.GREEN, "percent_complete": 50}
    arguments.update(overrides)
    return services.progress_update_submit(action=action, author=author, **arguments)


def _stored_files() -> list[str]:
    root = default_storage.location
    return [
        os.path.relpath(os.path.join(folder, name), root)
        for folder, _, names in os.walk(root)
        for name in names
    ]


# --- Next update due ------------------------------------------------------------------


def test_next_update_due_counts_from_creation_without_accepted_updates(action_a):
    action_a.cadence = Action.Cadence.MONTHLY
    assert services.action_next_update_due(action=action_a) == TODAY + datetime.timedelta(30)


@pytest.mark.parametrize(
    ("cadence", "days", "expected"),
    [("monthly", None, 30), ("quarterly", None, 91), ("custom", 14, 14)],
)
def test_next_update_due_follows_the_cadence_from_the_last_accepted_update(
    action_a, police_lead_a, opcc_staff, cadence, days, expected
):
    factories.ProgressUpdateFactory(
        action=action_a,
        written_on=datetime.date(2026, 10, 1),
        review_state=ProgressUpdate.Review.ACCEPTED,
        reviewed_by=opcc_staff,
    )
    factories.ProgressUpdateFactory(action=action_a, written_on=datetime.date(2026, 11, 1))
    action_a.cadence, action_a.cadence_days = cadence, days
    assert services.action_next_update_due(action=action_a) == datetime.date(
        2026, 10, 1
    ) + datetime.timedelta(expected)


@pytest.mark.parametrize("status", ["paused", "pending_sign_off", "closed", "not_needed"])
def test_next_update_due_is_none_when_no_update_is_expected(action_a, status):
    action_a.status = status
    assert services.action_next_update_due(action=action_a) is None


# --- Progress updates and review ------------------------------------------------------


def test_lead_submits_an_update_with_evidence(action_a, police_lead_a):
    update = _submit(action_a, police_lead_a, uploads=[_pdf()])
    assert update.review_state == ProgressUpdate.Review.SUBMITTED
    assert update.written_on == TODAY
    evidence = update.evidence.get()
    assert evidence.original_name == "report.pdf"
    assert evidence.content_type == "application/pdf"
    assert evidence.action == action_a
    assert default_storage.exists(evidence.file.name)


def test_another_lead_of_the_same_force_cannot_submit(action_a, police_lead_a2):
    with pytest.raises(PermissionDenied):
        _submit(action_a, police_lead_a2)
    assert not ProgressUpdate.objects.exists()


def test_partner_lead_submits_on_their_agency_action(partner_action_a, partner_lead):
    assert _submit(partner_action_a, partner_lead).author == partner_lead


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"narrative": "   "}, "narrative"),
        ({"percent_complete": 150}, "percent_complete"),
        ({"rag": Rag.COMPLETE}, "rag"),
    ],
)
def test_bad_update_is_refused_and_nothing_saved(action_a, police_lead_a, overrides, field):
    with pytest.raises(ValidationError) as error:
        _submit(action_a, police_lead_a, uploads=[_pdf()], **overrides)
    assert field in error.value.message_dict
    assert not ProgressUpdate.objects.exists()
    assert not Evidence.objects.exists()
    assert _stored_files() == []


def test_failed_save_removes_files_already_stored(action_a, police_lead_a, monkeypatch):
    """The disk fills up on the second file: no update, no evidence rows, no stray file."""
    original_save = FileSystemStorage.save
    calls = []

    def save_then_fail(storage, name, content, max_length=None):
        calls.append(name)
        if len(calls) == 2:
            raise OSError("No space left on device")
        return original_save(storage, name, content, max_length=max_length)

    monkeypatch.setattr(FileSystemStorage, "save", save_then_fail)
    with pytest.raises(OSError):
        _submit(action_a, police_lead_a, uploads=[_pdf("one.pdf"), _pdf("two.pdf")])
    assert len(calls) == 2
    assert not ProgressUpdate.objects.exists()
    assert not Evidence.objects.exists()
    assert _stored_files() == []


def test_accepting_an_update_moves_next_update_due_and_rag(action_a, police_lead_a, opcc_staff):
    update = _submit(action_a, police_lead_a, rag=Rag.RED)
    services.progress_update_accept(update=update, by=opcc_staff)
    action_a.refresh_from_db()
    update.refresh_from_db()
    assert update.review_state == ProgressUpdate.Review.ACCEPTED
    assert update.reviewed_by == opcc_staff
    assert action_a.next_update_due == TODAY + datetime.timedelta(days=30)  # monthly
    assert action_a.rag == Rag.RED


def test_returning_needs_a_reason(action_a, police_lead_a, opcc_staff):
    update = _submit(action_a, police_lead_a)
    with pytest.raises(ValidationError) as error:
        services.progress_update_return(update=update, by=opcc_staff, reason="  ")
    assert "comment" in error.value.message_dict
    update.refresh_from_db()
    assert update.review_state == ProgressUpdate.Review.SUBMITTED


def test_returned_update_is_kept_and_resubmitted_as_a_new_one(action_a, police_lead_a, opcc_staff):
    before = action_a.next_update_due
    returned = _submit(action_a, police_lead_a, narrative="Training continuing.")
    services.progress_update_return(update=returned, by=opcc_staff, reason="Give the numbers.")
    action_a.refresh_from_db()
    assert action_a.next_update_due == before  # a returned update moves nothing
    again = _submit(action_a, police_lead_a, narrative="81% trained.", resubmission_of=returned)
    returned.refresh_from_db()
    assert returned.narrative == "Training continuing."
    assert returned.review_comment == "Give the numbers."
    assert again.resubmission_of == returned
    assert action_a.updates.count() == 2


def test_only_a_returned_update_of_the_same_action_can_be_resubmitted(action_a, police_lead_a):
    submitted = _submit(action_a, police_lead_a)
    with pytest.raises(ValidationError):
        _submit(action_a, police_lead_a, resubmission_of=submitted)


@pytest.mark.parametrize("reviewer", ["read_only", "plan_owner_a", "police_lead_a"])
def test_only_opcc_staff_review_updates(request, action_a, police_lead_a, reviewer):
    update = _submit(action_a, police_lead_a)
    with pytest.raises((PermissionDenied, ValidationError)):
        services.progress_update_accept(update=update, by=request.getfixturevalue(reviewer))
    update.refresh_from_db()
    assert update.review_state == ProgressUpdate.Review.SUBMITTED


def test_an_update_cannot_be_reviewed_twice(action_a, police_lead_a, opcc_staff):
    update = _submit(action_a, police_lead_a)
    services.progress_update_accept(update=update, by=opcc_staff)
    with pytest.raises(ValidationError, match="already accepted"):
        services.progress_update_return(update=update, by=opcc_staff, reason="Too late.")


# --- Two-person closure ---------------------------------------------------------------


def test_lead_proposes_completion_with_evidence_of_impact(action_a, police_lead_a):
    services.action_propose_completion(
        action=action_a,
        by=police_lead_a,
        completion_evidence="Dip-sample of 40 cases: all allocated to specialists.",
        uploads=[_pdf("audit.pdf")],
    )
    action_a.refresh_from_db()
    assert action_a.status == Action.Status.PENDING_SIGN_OFF
    assert action_a.completion_proposed_by == police_lead_a
    assert action_a.next_update_due is None
    assert action_a.evidence.get(update=None).original_name == "audit.pdf"


def test_proposing_needs_evidence_of_impact(action_a, police_lead_a):
    with pytest.raises(ValidationError):
        services.action_propose_completion(
            action=action_a, by=police_lead_a, completion_evidence=""
        )
    action_a.refresh_from_db()
    assert action_a.status == Action.Status.IN_PROGRESS


def test_opcc_staff_sign_off_closes_the_action(action_a, police_lead_a, opcc_staff):
    services.action_propose_completion(action=action_a, by=police_lead_a, completion_evidence="x")
    services.action_sign_off(action=action_a, by=opcc_staff)
    action_a.refresh_from_db()
    assert action_a.status == Action.Status.CLOSED
    assert action_a.rag == Rag.COMPLETE
    assert action_a.signed_off_by == opcc_staff
    assert action_a.status in Action.FINISHED_STATUSES


def test_opcc_returns_a_proposed_completion_with_a_reason(action_a, police_lead_a, opcc_staff):
    services.action_propose_completion(action=action_a, by=police_lead_a, completion_evidence="x")
    with pytest.raises(ValidationError):
        services.action_return_completion(action=action_a, by=opcc_staff, reason="")
    services.action_return_completion(
        action=action_a, by=opcc_staff, reason="Show the dip-sample results."
    )
    action_a.refresh_from_db()
    assert action_a.status == Action.Status.IN_PROGRESS
    assert action_a.return_reason == "Show the dip-sample results."
    assert action_a.next_update_due is not None


def test_nobody_signs_off_their_own_proposal(action_a, opcc_staff):
    """Even if the proposer is OPCC staff (e.g. data entered for the force)."""
    Action.objects.filter(pk=action_a.pk).update(
        status=Action.Status.PENDING_SIGN_OFF, completion_proposed_by=opcc_staff
    )
    with pytest.raises(ValidationError, match="another member of OPCC staff"):
        services.action_sign_off(action=action_a, by=opcc_staff)
    action_a.refresh_from_db()
    assert action_a.status == Action.Status.PENDING_SIGN_OFF


def test_database_refuses_self_sign_off(action_a, opcc_staff):
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.filter(pk=action_a.pk).update(
            status=Action.Status.CLOSED,
            completion_proposed_by=opcc_staff,
            signed_off_by=opcc_staff,
        )


@pytest.mark.parametrize("signer", ["plan_owner_a", "police_lead_a", "read_only"])
def test_only_opcc_staff_sign_off(request, action_a, police_lead_a2, plan_owner_a, signer):
    services.action_propose_completion(action=action_a, by=plan_owner_a, completion_evidence="x")
    with pytest.raises((PermissionDenied, ValidationError)):
        services.action_sign_off(action=action_a, by=request.getfixturevalue(signer))
    action_a.refresh_from_db()
    assert action_a.status == Action.Status.PENDING_SIGN_OFF


# --- Target dates, cadence, pausing ---------------------------------------------------


def test_revising_the_target_keeps_the_original_and_the_history(action_a, plan_owner_a):
    original = action_a.target_date
    services.action_revise_target(
        action=action_a,
        by=plan_owner_a,
        revised_target_date=datetime.date(2027, 6, 30),
        reason="Examiner posts vacant.",
        expected_version=version_of(action_a),
    )
    action_a.refresh_from_db()
    services.action_revise_target(
        action=action_a,
        by=plan_owner_a,
        revised_target_date=datetime.date(2027, 9, 30),
        reason="Supplier delay.",
        expected_version=version_of(action_a),
    )
    action_a.refresh_from_db()
    assert action_a.target_date == original
    assert action_a.current_target_date == datetime.date(2027, 9, 30)
    revisions = list(
        action_a.history.exclude(revised_target_date=None)
        .order_by("history_date")
        .values_list("revised_target_date", "revision_reason", "history_user")
    )
    assert revisions == [
        (datetime.date(2027, 6, 30), "Examiner posts vacant.", plan_owner_a.pk),
        (datetime.date(2027, 9, 30), "Supplier delay.", plan_owner_a.pk),
    ]


def test_revising_the_target_needs_a_reason(action_a, plan_owner_a):
    with pytest.raises(ValidationError) as error:
        services.action_revise_target(
            action=action_a,
            by=plan_owner_a,
            revised_target_date=datetime.date(2027, 6, 30),
            reason=" ",
            expected_version=version_of(action_a),
        )
    assert "revision_reason" in error.value.message_dict
    action_a.refresh_from_db()
    assert action_a.revised_target_date is None


def test_revising_from_a_stale_form_changes_nothing(action_a, plan_owner_a):
    stale = version_of(action_a)
    Action.objects.filter(pk=action_a.pk).update(
        description="Changed meanwhile.",
        updated_at=action_a.updated_at + datetime.timedelta(seconds=1),
    )
    action_a.refresh_from_db()
    with pytest.raises(StaleEditError):
        services.action_revise_target(
            action=action_a,
            by=plan_owner_a,
            revised_target_date=datetime.date(2027, 6, 30),
            reason="Delay.",
            expected_version=stale,
        )


def test_police_lead_cannot_revise_the_target(action_a, police_lead_a):
    with pytest.raises(PermissionDenied):
        services.action_revise_target(
            action=action_a,
            by=police_lead_a,
            revised_target_date=datetime.date(2027, 6, 30),
            reason="Delay.",
            expected_version=version_of(action_a),
        )


@pytest.mark.parametrize("status", [Action.Status.PAUSED, Action.Status.NOT_NEEDED])
def test_pausing_or_setting_aside_needs_a_reason_and_stops_updates(action_a, plan_owner_a, status):
    with pytest.raises(ValidationError):
        services.action_change_status(action=action_a, by=plan_owner_a, status=status)
    services.action_change_status(
        action=action_a, by=plan_owner_a, status=status, reason="Superseded by force review."
    )
    action_a.refresh_from_db()
    assert action_a.status == status
    assert action_a.next_update_due is None


def test_resuming_a_paused_action_makes_an_update_due_again(action_a, plan_owner_a):
    services.action_change_status(
        action=action_a, by=plan_owner_a, status=Action.Status.PAUSED, reason="Pilot on hold."
    )
    services.action_change_status(
        action=action_a, by=plan_owner_a, status=Action.Status.IN_PROGRESS
    )
    action_a.refresh_from_db()
    assert action_a.status == Action.Status.IN_PROGRESS
    assert action_a.next_update_due == TODAY + datetime.timedelta(days=30)


def test_action_without_a_lead_awaits_allocation_until_assigned(
    plan_a, recommendation_a, plan_owner_a, police_lead_a
):
    action = services.action_create(
        plan=plan_a,
        by=plan_owner_a,
        reference="A9",
        description="New action.",
        recommendations=[recommendation_a],
        target_date=datetime.date(2027, 3, 1),
        cadence=Action.Cadence.QUARTERLY,
    )
    assert action.status == Action.Status.AWAITING_ALLOCATION
    assert action.next_update_due == TODAY + datetime.timedelta(days=91)
    action = services.action_update(
        action=action,
        by=plan_owner_a,
        expected_version=version_of(action),
        reference="A9",
        description="New action.",
        recommendations=[recommendation_a],
        cadence=Action.Cadence.MONTHLY,
        delivery_lead=police_lead_a,
    )
    assert action.status == Action.Status.IN_PROGRESS
    assert action.next_update_due == TODAY + datetime.timedelta(days=30)


def test_action_refuses_a_lead_from_another_force(
    plan_a, recommendation_a, plan_owner_a, police_lead_b
):
    with pytest.raises(ValidationError) as error:
        services.action_create(
            plan=plan_a,
            by=plan_owner_a,
            reference="A9",
            description="New action.",
            recommendations=[recommendation_a],
            target_date=datetime.date(2027, 3, 1),
            delivery_lead=police_lead_b,
        )
    assert "delivery_lead" in error.value.message_dict


def test_partner_lead_brings_their_agency(
    plan_a, recommendation_a, plan_owner_a, partner_lead, agency
):
    action = services.action_create(
        plan=plan_a,
        by=plan_owner_a,
        reference="A9",
        description="Return-home interviews.",
        recommendations=[recommendation_a],
        target_date=datetime.date(2027, 3, 1),
        delivery_lead=partner_lead,
    )
    assert action.partner_agency == agency


def test_action_references_are_unique_within_a_plan(
    action_a, plan_a, recommendation_a, plan_owner_a
):
    with pytest.raises(ValidationError) as error:
        services.action_create(
            plan=plan_a,
            by=plan_owner_a,
            reference="a1",
            description="Duplicate.",
            recommendations=[recommendation_a],
            target_date=datetime.date(2027, 3, 1),
        )
    assert "reference" in error.value.message_dict


def test_action_serves_only_its_plans_recommendations(plan_a, recommendation_b, plan_owner_a):
    with pytest.raises(ValidationError) as error:
        services.action_create(
            plan=plan_a,
            by=plan_owner_a,
            reference="A9",
            description="x",
            recommendations=[recommendation_b],
            target_date=datetime.date(2027, 3, 1),
        )
    assert "recommendations" in error.value.message_dict


# --- Action plans ---------------------------------------------------------------------


def test_plan_owner_creates_a_draft_plan_for_their_force(report_a, plan_owner_a):
    plan = services.action_plan_create(by=plan_owner_a, report=report_a, title="Plan")
    assert plan.status == ActionPlan.Status.DRAFT
    assert plan.force == report_a.force
    assert plan.owner == plan_owner_a


def test_one_plan_per_report_and_force(plan_a, report_a, plan_owner_a):
    with pytest.raises(ValidationError, match="already has an action plan"):
        services.action_plan_create(by=plan_owner_a, report=report_a)


def test_plan_goes_draft_submitted_active_closed(
    report_a, recommendation_a, plan_owner_a, police_lead_a, opcc_staff
):
    plan = services.action_plan_create(by=plan_owner_a, report=report_a)
    with pytest.raises(ValidationError, match="at least one action"):
        services.action_plan_transition(plan=plan, by=plan_owner_a, to_status="submitted")
    action = factories.ActionFactory(
        plan=plan, delivery_lead=police_lead_a, recommendations=[recommendation_a]
    )
    services.action_plan_transition(plan=plan, by=plan_owner_a, to_status="submitted")
    report_a.refresh_from_db()
    assert report_a.action_plan_received_on == TODAY
    with pytest.raises(PermissionDenied):
        services.action_plan_transition(plan=plan, by=plan_owner_a, to_status="active")
    services.action_plan_transition(plan=plan, by=opcc_staff, to_status="active")
    with pytest.raises(ValidationError, match=f"Still open: {action.reference}"):
        services.action_plan_transition(plan=plan, by=plan_owner_a, to_status="closed")
    Action.objects.filter(pk=action.pk).update(
        status=Action.Status.NOT_NEEDED, status_reason="Covered elsewhere."
    )
    plan = services.action_plan_transition(plan=plan, by=plan_owner_a, to_status="closed")
    assert plan.status == ActionPlan.Status.CLOSED


def test_nothing_changes_in_a_closed_plan(action_a, plan_a, police_lead_a, plan_owner_a):
    ActionPlan.objects.filter(pk=plan_a.pk).update(status=ActionPlan.Status.CLOSED)
    action_a.refresh_from_db()
    with pytest.raises(PermissionDenied):
        _submit(action_a, police_lead_a)


# --- History --------------------------------------------------------------------------


def test_every_step_is_in_the_history_with_who_did_it(action_a, police_lead_a, opcc_staff):
    update = _submit(action_a, police_lead_a)
    services.progress_update_accept(update=update, by=opcc_staff)
    services.action_propose_completion(action=action_a, by=police_lead_a, completion_evidence="x")
    services.action_sign_off(action=action_a, by=opcc_staff)
    steps = list(action_a.history.order_by("history_date").values_list("status", "history_user"))
    assert steps[-2:] == [
        (Action.Status.PENDING_SIGN_OFF, police_lead_a.pk),
        (Action.Status.CLOSED, opcc_staff.pk),
    ]
    review = update.history.order_by("history_date").values_list("review_state", "history_user")
    assert list(review) == [("submitted", police_lead_a.pk), ("accepted", opcc_staff.pk)]


def test_closure_and_not_needed_clear_the_way_for_the_recommendation(
    action_a, partner_action_a, recommendation_a, police_lead_a, plan_owner_a, opcc_staff
):
    """A recommendation cannot be proposed for closure while an action on it is unfinished;
    a signed-off or not-needed action no longer holds it up."""
    unfinished = services.recommendation_unfinished_actions
    assert unfinished(recommendation=recommendation_a) == [action_a, partner_action_a]
    services.action_propose_completion(action=action_a, by=police_lead_a, completion_evidence="x")
    assert unfinished(recommendation=recommendation_a) == [action_a, partner_action_a]
    services.action_sign_off(action=action_a, by=opcc_staff)
    services.action_change_status(
        action=partner_action_a,
        by=plan_owner_a,
        status=Action.Status.NOT_NEEDED,
        reason="Delivered by the council's own programme.",
    )
    assert unfinished(recommendation=recommendation_a) == []
