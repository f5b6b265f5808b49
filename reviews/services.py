"""Writes for deep-dive reviews, their lines of enquiry, evidence, follow-ups and samples,
and for OPCC investments.

Each service owns its transaction, takes keyword-only arguments, checks that `by` may make
the change (PermissionDenied otherwise) and raises ValidationError with a message that says
what to do. Nothing is half-saved.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oversight.models import Force, InspectionReport, PriorityArea, User
from oversight.selectors import forces_visible_to, people_visible_to, reports_visible_to
from oversight.shared.concurrency import lock_and_check_version
from oversight.shared.uploads import CheckedUpload
from recommendations.models import Action, Recommendation
from recommendations.selectors import recommendations_visible_to
from recommendations.services_progress import action_reopen
from reviews.models import (
    ActionSample,
    Assurance,
    DeepDiveReview,
    FollowUp,
    Investment,
    LineOfEnquiry,
    ReviewEvidence,
)
from reviews.permissions import (
    can_edit_investment,
    can_edit_review,
    can_manage_reviews,
    can_update_follow_up,
)
from reviews.selectors import follow_up_recommendations_for, sampleable_actions_for

RATIONALE_REQUIRED = gettext_lazy(
    "Give the reasons for this judgement: a rationale is required when you record an assurance."
)


def _require_staff(by: User) -> None:
    if not can_manage_reviews(by):
        raise PermissionDenied(_("Only OPCC staff record deep dives and investments."))


# --- Reviews ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewDetails:
    """What the review form collects, converted; the same for create and edit."""

    theme: str
    held_on: datetime.date
    force: Force
    report: InspectionReport | None = None
    priority_areas: Sequence[PriorityArea] = ()
    status: str = DeepDiveReview.Status.HELD
    panel: str = ""
    evidence_summary: str = ""
    findings: str = ""
    performance_assurance: str = ""
    performance_rationale: str = ""
    plans_assurance: str = ""
    plans_rationale: str = ""
    revisit_on: datetime.date | None = None


@dataclass(frozen=True)
class LineText:
    question: str
    response: str = ""


def _check_review_details(details: ReviewDetails, *, by: User) -> None:
    errors: dict[str, list[str]] = {}
    if not details.theme.strip():
        errors.setdefault("theme", []).append(_("Give the theme the panel looked at."))
    if not forces_visible_to(by).filter(pk=details.force.pk).exists():
        errors.setdefault("force", []).append(_("Choose a force your office oversees."))
    report = details.report
    if report is not None:
        if not reports_visible_to(by).filter(pk=report.pk).exists():
            errors.setdefault("report", []).append(_("Choose a report you can see."))
        elif report.force_id != details.force.pk:
            errors.setdefault("report", []).append(
                _(
                    "That report is about %(report_force)s, not %(force)s: choose a report "
                    "about the force under review."
                )
                % {"report_force": report.force, "force": details.force}
            )
    strays = [
        area for area in details.priority_areas if report is None or area.report_id != report.pk
    ]
    if strays:
        titles = ", ".join(area.title for area in strays)
        errors.setdefault("priority_areas", []).append(
            (
                _(
                    "Choose only priority areas of the linked report "
                    "(%(titles)s is not one of them)."
                )
                if report
                else _(
                    "Choose only priority areas of the linked report: link the review to a "
                    "report first (%(titles)s is not one of them)."
                )
            )
            % {"titles": titles}
        )
    for assurance, rationale in [
        ("performance_assurance", "performance_rationale"),
        ("plans_assurance", "plans_rationale"),
    ]:
        value = getattr(details, assurance)
        if value and value not in Assurance.values:
            errors.setdefault(assurance, []).append(
                _("Choose assured, partly assured or not assured.")
            )
        if value and not getattr(details, rationale).strip():
            errors.setdefault(rationale, []).append(RATIONALE_REQUIRED)
    if details.revisit_on and details.revisit_on < details.held_on:
        errors.setdefault("revisit_on", []).append(
            _("The revisit date must be on or after the date the review was held.")
        )
    if errors:
        raise ValidationError(errors)


def _apply_review_details(review: DeepDiveReview, details: ReviewDetails) -> None:
    review.theme = details.theme.strip()
    review.held_on = details.held_on
    review.force = details.force
    review.report = details.report
    review.status = details.status
    review.panel = details.panel.strip()
    review.evidence_summary = details.evidence_summary.strip()
    review.findings = details.findings.strip()
    review.performance_assurance = details.performance_assurance
    review.performance_rationale = details.performance_rationale.strip()
    review.plans_assurance = details.plans_assurance
    review.plans_rationale = details.plans_rationale.strip()
    review.revisit_on = details.revisit_on


def review_create(
    *, by: User, details: ReviewDetails, lines: Sequence[LineText] = ()
) -> DeepDiveReview:
    """Record a deep dive with its key lines of enquiry, numbered in the order given."""
    _require_staff(by)
    _check_review_details(details, by=by)
    lines = [line for line in lines if line.question.strip()]
    with transaction.atomic():
        review = DeepDiveReview(office_id=by.office_id)
        _apply_review_details(review, details)
        review._history_user = by
        review.save()
        review.priority_areas.set(details.priority_areas)
        LineOfEnquiry.objects.bulk_create(
            LineOfEnquiry(
                review=review,
                position=position,
                question=line.question.strip(),
                response=line.response.strip(),
            )
            for position, line in enumerate(lines, start=1)
        )
    return review


def review_update(
    *, review: DeepDiveReview, by: User, details: ReviewDetails, expected_version: str
) -> DeepDiveReview:
    if not can_edit_review(by, review):
        raise PermissionDenied(_("Only OPCC staff of the reviewing office change a review."))
    _check_review_details(details, by=by)
    with transaction.atomic():
        lock_and_check_version(review, expected_version=expected_version)
        _apply_review_details(review, details)
        review._history_user = by
        review.save()
        review.priority_areas.set(details.priority_areas)
    return review


# --- Lines of enquiry ------------------------------------------------------------------


def _check_line(question: str) -> None:
    if not question.strip():
        raise ValidationError({"question": _("Write the question the panel asked.")})


def line_of_enquiry_add(
    *, review: DeepDiveReview, by: User, question: str, response: str = ""
) -> LineOfEnquiry:
    """Add a line of enquiry after the review's last one."""
    if not can_edit_review(by, review):
        raise PermissionDenied(_("Only OPCC staff of the reviewing office change a review."))
    _check_line(question)
    with transaction.atomic():
        # Lock the review so two people adding at once get different positions.
        DeepDiveReview.objects.select_for_update().filter(pk=review.pk).get()
        last = review.lines_of_enquiry.aggregate(last=Max("position"))["last"] or 0
        line = LineOfEnquiry(
            review=review, position=last + 1, question=question.strip(), response=response.strip()
        )
        line._history_user = by
        line.save()
    return line


def line_of_enquiry_update(
    *, line: LineOfEnquiry, by: User, question: str, response: str, expected_version: str
) -> LineOfEnquiry:
    if not can_edit_review(by, line.review):
        raise PermissionDenied(_("Only OPCC staff of the reviewing office change a review."))
    _check_line(question)
    with transaction.atomic():
        lock_and_check_version(line, expected_version=expected_version)
        line.question = question.strip()
        line.response = response.strip()
        line._history_user = by
        line.save()
    return line


# --- Evidence --------------------------------------------------------------------------


def review_evidence_add(
    *, review: DeepDiveReview, by: User, upload: CheckedUpload, title: str = ""
) -> ReviewEvidence:
    """Store a checked file (default storage, outside the web root) against the review."""
    if not can_edit_review(by, review):
        raise PermissionDenied(_("Only OPCC staff of the reviewing office add evidence."))
    evidence = ReviewEvidence(
        review=review,
        title=title.strip(),
        original_name=upload.original_name,
        content_type=upload.content_type,
        size=upload.size,
        sha256=upload.sha256,
        uploaded_by=by,
    )
    evidence.file.save(upload.safe_name, upload.file, save=False)
    try:
        with transaction.atomic():
            evidence.save()
    except Exception:
        # The row did not make it: do not leave an orphan file behind.
        evidence.file.delete(save=False)
        raise
    return evidence


# --- Follow-ups ------------------------------------------------------------------------


def _check_follow_up(
    *,
    review: DeepDiveReview,
    by: User,
    description: str,
    owner: User,
    due_on: datetime.date,
    recommendation: Recommendation | None,
) -> None:
    errors: dict[str, list[str]] = {}
    if not description.strip():
        errors["description"] = [_("Say what has to be done.")]
    if not people_visible_to(by).filter(pk=owner.pk).exists():
        errors["owner"] = [
            _("Choose an owner from your office, the force or its partner agencies.")
        ]
    if due_on < review.held_on:
        errors["due_on"] = [
            _("The due date must be on or after the review (%(held_on)s).")
            % {"held_on": date_format(review.held_on, "d M Y")}
        ]
    if (
        recommendation is not None
        and not follow_up_recommendations_for(by, review).filter(pk=recommendation.pk).exists()
    ):
        errors["recommendation"] = [_("Choose one of the recommendations of the review's report.")]
    if errors:
        raise ValidationError(errors)


def _apply_status(follow_up: FollowUp, *, status: str, outcome: str) -> None:
    """Done and cancelled need an outcome; done keeps the day it was first completed."""
    outcome = outcome.strip()
    if status not in FollowUp.Status.values:
        raise ValidationError({"status": _("Choose open, in progress, done or cancelled.")})
    if status == FollowUp.Status.DONE and not outcome:
        raise ValidationError({"outcome": _("Say what was done before marking it done.")})
    if status == FollowUp.Status.CANCELLED and not outcome:
        raise ValidationError({"outcome": _("Say why the follow-up is no longer needed.")})
    if status == FollowUp.Status.DONE:
        if follow_up.status != FollowUp.Status.DONE or follow_up.completed_on is None:
            follow_up.completed_on = timezone.localdate()
    else:
        follow_up.completed_on = None
    follow_up.status = status
    follow_up.outcome = outcome


def follow_up_create(
    *,
    review: DeepDiveReview,
    by: User,
    description: str,
    owner: User,
    due_on: datetime.date,
    recommendation: Recommendation | None = None,
) -> FollowUp:
    if not can_edit_review(by, review):
        raise PermissionDenied(_("Only OPCC staff of the reviewing office add follow-ups."))
    _check_follow_up(
        review=review,
        by=by,
        description=description,
        owner=owner,
        due_on=due_on,
        recommendation=recommendation,
    )
    follow_up = FollowUp(
        review=review,
        description=description.strip(),
        owner=owner,
        due_on=due_on,
        recommendation=recommendation,
    )
    follow_up._history_user = by
    with transaction.atomic():
        follow_up.save()
    return follow_up


def follow_up_edit(
    *,
    follow_up: FollowUp,
    by: User,
    expected_version: str,
    description: str,
    owner: User,
    due_on: datetime.date,
    recommendation: Recommendation | None,
    status: str,
    outcome: str,
) -> FollowUp:
    """OPCC staff change anything about a follow-up."""
    if not can_edit_review(by, follow_up.review):
        raise PermissionDenied(_("Only OPCC staff of the reviewing office change a follow-up."))
    _check_follow_up(
        review=follow_up.review,
        by=by,
        description=description,
        owner=owner,
        due_on=due_on,
        recommendation=recommendation,
    )
    with transaction.atomic():
        lock_and_check_version(follow_up, expected_version=expected_version)
        _apply_status(follow_up, status=status, outcome=outcome)
        follow_up.description = description.strip()
        follow_up.owner = owner
        follow_up.due_on = due_on
        follow_up.recommendation = recommendation
        follow_up._history_user = by
        follow_up.save()
    return follow_up


def follow_up_update_status(
    *, follow_up: FollowUp, by: User, status: str, outcome: str, expected_version: str
) -> FollowUp:
    """The owner reports progress: status and outcome only."""
    if not can_update_follow_up(by, follow_up):
        raise PermissionDenied(_("Only the owner of a follow-up updates it."))
    with transaction.atomic():
        lock_and_check_version(follow_up, expected_version=expected_version)
        _apply_status(follow_up, status=status, outcome=outcome)
        follow_up._history_user = by
        follow_up.save(update_fields=["status", "outcome", "completed_on", "updated_at"])
    return follow_up


# --- Samples of completed actions ------------------------------------------------------


def action_sample_record(
    *, review: DeepDiveReview, by: User, action: Action, verdict: str, reason: str = ""
) -> ActionSample:
    """Record whether a closed action proved effective. "Not effective" reopens the action
    (recommendations.services_progress.action_reopen) in the same transaction."""
    if not can_edit_review(by, review):
        raise PermissionDenied(_("Only OPCC staff of the reviewing office sample actions."))
    reason = reason.strip()
    if verdict not in ActionSample.Verdict.values:
        raise ValidationError({"verdict": _("Choose effective or not effective.")})
    if verdict == ActionSample.Verdict.NOT_EFFECTIVE and not reason:
        raise ValidationError(
            {"reason": _("Say why the action was not effective; the action is reopened with it.")}
        )
    if not sampleable_actions_for(by, review).filter(pk=action.pk).exists():
        raise ValidationError(
            {
                "action": _(
                    "Choose a closed action of the review's action plan that this review "
                    "has not sampled yet."
                )
            }
        )
    try:
        with transaction.atomic():
            sample = ActionSample(
                review=review, action=action, verdict=verdict, reason=reason, recorded_by=by
            )
            sample._history_user = by
            sample.save()
            if verdict == ActionSample.Verdict.NOT_EFFECTIVE:
                action_reopen(action=action, reason=reason, by=by)
    except IntegrityError as error:
        # Someone sampled the same action for this review a moment earlier.
        raise ValidationError(
            {
                "action": _("%(reference)s has just been sampled for this review.")
                % {"reference": action.reference}
            }
        ) from error
    return sample


# --- Investments -----------------------------------------------------------------------


@dataclass(frozen=True)
class InvestmentDetails:
    title: str
    purpose: str
    amount: Decimal
    awarded_on: datetime.date
    force: Force
    status: str = Investment.Status.APPROVED
    outcome: str = ""
    recommendations: Sequence[Recommendation] = ()


def _check_investment(details: InvestmentDetails, *, by: User) -> None:
    errors: dict[str, list[str]] = {}
    if not details.title.strip():
        errors["title"] = [_("Give the investment a short title.")]
    if not details.purpose.strip():
        errors["purpose"] = [_("Say what the money is for.")]
    if details.amount is None or details.amount <= 0:
        errors["amount"] = [_("Enter an amount greater than zero, in pounds (e.g. 48000).")]
    if details.status not in Investment.Status.values:
        errors["status"] = [_("Choose a status from the list.")]
    if not forces_visible_to(by).filter(pk=details.force.pk).exists():
        errors["force"] = [_("Choose a force your office oversees.")]
    recommendation_ids = {r.pk for r in details.recommendations}
    visible = set(
        recommendations_visible_to(by)
        .filter(pk__in=recommendation_ids, report__force=details.force)
        .values_list("pk", flat=True)
    )
    strays = [r for r in details.recommendations if r.pk not in visible]
    if strays:
        errors["recommendations"] = [
            _("Choose recommendations made to %(force)s only (%(references)s is not one of them).")
            % {"force": details.force, "references": ", ".join(r.reference for r in strays)}
        ]
    if errors:
        raise ValidationError(errors)


def _apply_investment(investment: Investment, details: InvestmentDetails) -> None:
    investment.title = details.title.strip()
    investment.purpose = details.purpose.strip()
    investment.amount = details.amount
    investment.awarded_on = details.awarded_on
    investment.force = details.force
    investment.status = details.status
    investment.outcome = details.outcome.strip()


def investment_create(*, by: User, details: InvestmentDetails) -> Investment:
    _require_staff(by)
    _check_investment(details, by=by)
    with transaction.atomic():
        investment = Investment(office_id=by.office_id)
        _apply_investment(investment, details)
        investment._history_user = by
        investment.save()
        investment.recommendations.set(details.recommendations)
    return investment


def investment_update(
    *, investment: Investment, by: User, details: InvestmentDetails, expected_version: str
) -> Investment:
    if not can_edit_investment(by, investment):
        raise PermissionDenied(_("Only OPCC staff of the funding office change an investment."))
    _check_investment(details, by=by)
    with transaction.atomic():
        lock_and_check_version(investment, expected_version=expected_version)
        _apply_investment(investment, details)
        investment._history_user = by
        investment.save()
        investment.recommendations.set(details.recommendations)
    return investment
