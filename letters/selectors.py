"""Reads of letters, each scoped to the person asking."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from letters.models import CommitteePack, Letter
from letters.permissions import can_read_packs, letter_kinds_written_by_organisation_of
from letters.text import natural_key
from oversight.models import CommitteeMeeting, InspectionReport, User
from oversight.selectors import reports_visible_to
from recommendations.models import Recommendation
from recommendations.selectors import actions_visible_to, recommendations_visible_to


def letters_visible_to(user: User) -> QuerySet[Letter]:
    """Letters are the OPCC's and the force's business; partner agencies do not see them.
    A draft stays with the organisation writing it (letter_kinds_written_by_organisation_of:
    the OPCC's own letters with the OPCC, the formal response with the OPCC and the force);
    an issued letter is seen by everyone who sees the report's letters."""
    if not user.is_authenticated or user.is_partner:
        return Letter.objects.none()
    return Letter.objects.filter(
        Q(status=Letter.Status.ISSUED) | Q(kind__in=letter_kinds_written_by_organisation_of(user)),
        report__in=reports_visible_to(user).values("pk"),
    )


def letter_reports_visible_to(user: User) -> QuerySet[InspectionReport]:
    """Reports whose letters the user may see: partner agencies see no letters at all."""
    if not user.is_authenticated or user.is_partner:
        return InspectionReport.objects.none()
    return reports_visible_to(user)


# A recommendation in one of these states needs no action for a section 55 response.
DISPOSED_STATUSES = (
    Recommendation.Status.CLOSED,
    Recommendation.Status.SUPERSEDED,
    Recommendation.Status.NO_ACTION,
    Recommendation.Status.COVERED,
    Recommendation.Status.FOR_INFORMATION,
)


def letters_for_report(user: User, report: InspectionReport) -> list[Letter]:
    """The report's letters the user sees, by kind then newest version first (one query)."""
    kind_order = {kind.value: position for position, kind in enumerate(Letter.Kind)}
    letters = list(
        letters_visible_to(user)
        .filter(report=report)
        .select_related("issued_by")
        .order_by("kind", "-version")
    )
    return sorted(letters, key=lambda letter: (kind_order[letter.kind], -letter.version))


def letter_versions(user: User, letter: Letter) -> list[Letter]:
    """Every version of the same letter (same report and kind), newest first."""
    return list(
        letters_visible_to(user)
        .filter(report=letter.report_id, kind=letter.kind)
        .order_by("-version")
    )


def recommendations_without_disposition(user: User, report: InspectionReport) -> list[str]:
    """References of the report's recommendations that a section 55 response could not yet
    explain: no action planned, and not closed, superseded or "no action" with a reason.
    One query."""
    has_action = Exists(
        actions_visible_to(user).filter(recommendations=OuterRef("pk")).values("pk")
    )
    references = (
        recommendations_visible_to(user)
        .filter(report=report)
        .exclude(status__in=DISPOSED_STATUSES)
        .exclude(has_action)
        .values_list("reference", flat=True)
    )
    return sorted(references, key=natural_key)


def packs_visible_to(user: User) -> QuerySet[CommitteePack]:
    """An office's committee packs are its own: read by its OPCC staff and read-only users,
    by nobody at the force, a partner agency or another office."""
    if not can_read_packs(user):
        return CommitteePack.objects.none()
    return CommitteePack.objects.filter(meeting__office_id=user.office_id)


def meetings_visible_to(user: User) -> QuerySet[CommitteeMeeting]:
    if not can_read_packs(user):
        return CommitteeMeeting.objects.none()
    return CommitteeMeeting.objects.filter(office_id=user.office_id)
