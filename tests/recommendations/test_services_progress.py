"""Services for progress updates with evidence, their review, and two-person closure."""

import datetime
import os

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from oversight.shared.uploads import check_upload
from recommendations import services, services_actions, services_progress
from recommendations.models import Action, Evidence, ProgressUpdate, Rag
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
    return services_progress.progress_update_submit(action=action, author=author, **arguments)


def _stored_files() -> list[str]:
    root = default_storage.location
    return [
        os.path.relpath(os.path.join(folder, name), root)
        for folder, _, names in os.walk(root)
        for name in names
    ]


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
    services_progress.progress_update_accept(update=update, by=opcc_staff)
    action_a.refresh_from_db()
    update.refresh_from_db()
    assert update.review_state == ProgressUpdate.Review.ACCEPTED
    assert update.reviewed_by == opcc_staff
    assert action_a.next_update_due == TODAY + datetime.timedelta(days=30)  # monthly
    assert action_a.rag == Rag.RED


def test_returning_needs_a_reason(action_a, police_lead_a, opcc_staff):
    update = _submit(action_a, police_lead_a)
    with pytest.raises(ValidationError) as error:
        services_progress.progress_update_return(update=update, by=opcc_staff, reason="  ")
    assert "comment" in error.value.message_dict
    update.refresh_from_db()
    assert update.review_state == ProgressUpdate.Review.SUBMITTED


def test_returned_update_is_kept_and_resubmitted_as_a_new_one(action_a, police_lead_a, opcc_staff):
    before = action_a.next_update_due
    returned = _submit(action_a, police_lead_a, narrative="Training continuing.")
    services_progress.progress_update_return(
        update=returned, by=opcc_staff, reason="Give the numbers."
    )
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
        services_progress.progress_update_accept(
            update=update, by=request.getfixturevalue(reviewer)
        )
    update.refresh_from_db()
    assert update.review_state == ProgressUpdate.Review.SUBMITTED


def test_an_update_cannot_be_reviewed_twice(action_a, police_lead_a, opcc_staff):
    update = _submit(action_a, police_lead_a)
    services_progress.progress_update_accept(update=update, by=opcc_staff)
    with pytest.raises(ValidationError, match="already accepted"):
        services_progress.progress_update_return(update=update, by=opcc_staff, reason="Too late.")


# --- Two-person closure ---------------------------------------------------------------


def test_lead_proposes_completion_with_evidence_of_impact(action_a, police_lead_a):
    services_progress.action_propose_completion(
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
        services_progress.action_propose_completion(
            action=action_a, by=police_lead_a, completion_evidence=""
        )
    action_a.refresh_from_db()
    assert action_a.status == Action.Status.IN_PROGRESS


def test_opcc_staff_sign_off_closes_the_action(action_a, police_lead_a, opcc_staff):
    services_progress.action_propose_completion(
        action=action_a, by=police_lead_a, completion_evidence="x"
    )
    services_progress.action_sign_off(action=action_a, by=opcc_staff)
    action_a.refresh_from_db()
    assert action_a.status == Action.Status.CLOSED
    assert action_a.rag == Rag.COMPLETE
    assert action_a.signed_off_by == opcc_staff
    assert action_a.status in Action.FINISHED_STATUSES


def test_opcc_returns_a_proposed_completion_with_a_reason(action_a, police_lead_a, opcc_staff):
    services_progress.action_propose_completion(
        action=action_a, by=police_lead_a, completion_evidence="x"
    )
    with pytest.raises(ValidationError):
        services_progress.action_return_completion(action=action_a, by=opcc_staff, reason="")
    services_progress.action_return_completion(
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
        services_progress.action_sign_off(action=action_a, by=opcc_staff)
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
    services_progress.action_propose_completion(
        action=action_a, by=plan_owner_a, completion_evidence="x"
    )
    with pytest.raises((PermissionDenied, ValidationError)):
        services_progress.action_sign_off(action=action_a, by=request.getfixturevalue(signer))
    action_a.refresh_from_db()
    assert action_a.status == Action.Status.PENDING_SIGN_OFF


# --- History --------------------------------------------------------------------------


def test_every_step_is_in_the_history_with_who_did_it(action_a, police_lead_a, opcc_staff):
    update = _submit(action_a, police_lead_a)
    services_progress.progress_update_accept(update=update, by=opcc_staff)
    services_progress.action_propose_completion(
        action=action_a, by=police_lead_a, completion_evidence="x"
    )
    services_progress.action_sign_off(action=action_a, by=opcc_staff)
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
    """The recommendation's closure rule reads these statuses."""
    unfinished = services.recommendation_unfinished_actions
    assert unfinished(recommendation=recommendation_a) == [action_a, partner_action_a]
    services_progress.action_propose_completion(
        action=action_a, by=police_lead_a, completion_evidence="x"
    )
    assert unfinished(recommendation=recommendation_a) == [action_a, partner_action_a]
    services_progress.action_sign_off(action=action_a, by=opcc_staff)
    services_actions.action_change_status(
        action=partner_action_a,
        by=plan_owner_a,
        status=Action.Status.NOT_NEEDED,
        reason="Delivered by the council's own programme.",
    )
    assert unfinished(recommendation=recommendation_a) == []


def test_a_resubmission_cannot_keep_files_of_another_update(action_a, police_lead_a, opcc_staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from oversight.shared.uploads import check_upload

    def submit(**extra):
        return services_progress.progress_update_submit(
            action=action_a,
            author=police_lead_a,
            narrative="Training.",
            rag="amber",
            percent_complete=5,
            **extra,
        )

    first = submit(uploads=[check_upload(SimpleUploadedFile("a.pdf", factories.tiny_pdf()))])
    services_progress.progress_update_accept(update=first, by=opcc_staff)
    second = submit()
    services_progress.progress_update_return(update=second, by=opcc_staff, reason="Numbers.")

    with pytest.raises(ValidationError):
        submit(resubmission_of=second, kept_evidence=list(first.evidence.all()))
