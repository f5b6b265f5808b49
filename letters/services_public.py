"""Publishing to an office's public site: the public summaries staff write, a report's
publication (a snapshot of the public fields), the issued letters the office chooses to
show with it, and withdrawing either. Each write is one transaction: a refusal saves
nothing."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from letters.models import (
    LIVE_PUBLICATION,
    Letter,
    PublicSummary,
    PublishedLetter,
    PublishedRecommendation,
    PublishedReport,
)
from letters.permissions import can_publish
from letters.public_snapshot import live_snapshot
from oversight.models import InspectionReport, Office, User
from oversight.shared.concurrency import StaleEditError
from recommendations.models import Recommendation

# Long enough for a paragraph or two; a public page is read on a phone.
SUMMARY_MAX_LENGTH = 2000


class PublicationStaleError(StaleEditError):
    """The report changed after the publish page was opened."""

    def __init__(self):
        Exception.__init__(
            self,
            _(
                "The report or its recommendations changed after you opened this page, so "
                "nothing was published. Your summaries are kept below: check the changes "
                "listed, then publish again."
            ),
        )


def summary_field(recommendation_id: int) -> str:
    """The publish form's field for a recommendation's summary (errors are keyed by it)."""
    return f"summary_{recommendation_id}"


def _check_may_publish(*, office: Office, report: InspectionReport, by: User) -> None:
    if not can_publish(by, office):
        raise PermissionDenied(_("Only the office's OPCC staff publish to its public site."))
    if not office.forces.filter(pk=report.force_id).exists():
        raise PermissionDenied(_("Your office does not oversee this report's force."))


def _save_summaries(
    *, office: Office, report: InspectionReport, by: User, summaries: dict[int, str]
) -> int:
    """Write the summaries that changed; returns how many. Every id must be one of the
    report's recommendations."""
    ids = set(Recommendation.objects.filter(report=report).values_list("pk", flat=True))
    unknown = set(summaries) - ids
    if unknown:
        raise ValidationError(_("Some summaries are for recommendations of another report."))
    too_long = {
        summary_field(pk): _(
            "Shorten this summary to %(limit)s characters or fewer (it has %(length)s)."
        )
        % {"limit": f"{SUMMARY_MAX_LENGTH:,}", "length": f"{len(text):,}"}
        for pk, text in summaries.items()
        if len(text) > SUMMARY_MAX_LENGTH
    }
    if too_long:
        raise ValidationError(too_long)
    existing = {
        summary.recommendation_id: summary
        for summary in PublicSummary.objects.select_for_update().filter(
            office=office, recommendation_id__in=summaries
        )
    }
    changed = 0
    for pk, text in summaries.items():
        text = text.strip()
        summary = existing.get(pk)
        if summary is None and not text:
            continue
        if summary is None:
            summary = PublicSummary(office=office, recommendation_id=pk)
        elif summary.text == text:
            continue
        summary.text, summary.updated_by = text, by
        summary.save()
        changed += 1
    return changed


@transaction.atomic
def public_summaries_save(
    *, office: Office, report: InspectionReport, by: User, summaries: dict[int, str]
) -> int:
    """Keep the public summaries as drafts, without publishing. Returns how many changed."""
    _check_may_publish(office=office, report=report, by=by)
    return _save_summaries(office=office, report=report, by=by, summaries=summaries)


@transaction.atomic
def report_publish(
    *,
    office: Office,
    report: InspectionReport,
    by: User,
    summaries: dict[int, str],
    expected_digest: str,
) -> PublishedReport:
    """Publish the report as it is now on the office's public site, with the summaries
    given (kept as the drafts too). The previous publication, if any, is replaced; it stays
    in the history. Refused, saving nothing, if the office has no public address, the
    report has no recommendations, a summary is missing, or the report changed since the
    page showing `expected_digest` was opened."""
    _check_may_publish(office=office, report=report, by=by)
    report = InspectionReport.objects.select_for_update().select_related("force").get(pk=report.pk)
    if not office.slug:
        raise ValidationError(
            _(
                "Your office has no public address yet. Ask your administrator to set it "
                "(Django admin → Offices → public address), then publish."
            )
        )
    _save_summaries(office=office, report=report, by=by, summaries=summaries)
    snapshot = live_snapshot(office=office, report=report)
    if snapshot.digest != expected_digest:
        raise PublicationStaleError()
    if not snapshot.recommendations:
        raise ValidationError(
            _("This report has no recommendations yet. Add them before publishing it.")
        )
    missing = snapshot.missing_summaries()
    if missing:
        raise ValidationError(
            {
                summary_field(r.recommendation_id): _(
                    "Write the public summary of %(reference)s: in plain words, what has been "
                    "done and what is still to do."
                )
                % {"reference": r.reference}
                for r in missing
            }
        )
    now = timezone.now()
    publications = PublishedReport.objects.filter(office=office, report=report)
    previous = publications.order_by("-version").first()
    publications.filter(LIVE_PUBLICATION).update(replaced_at=now)
    facts = snapshot.report
    publication = PublishedReport.objects.create(
        office=office,
        report=report,
        version=previous.version + 1 if previous else 1,
        title=facts.title,
        force_name=facts.force_name,
        source=facts.source,
        programme=facts.programme,
        publisher=facts.publisher,
        published_on=facts.published_on,
        source_url=facts.source_url,
        published_at=now,
        published_by=by,
    )
    PublishedRecommendation.objects.bulk_create(
        PublishedRecommendation(
            publication=publication,
            recommendation_id=row.recommendation_id,
            position=row.position,
            reference=row.reference,
            kind=row.kind,
            text=row.text,
            public_summary=row.public_summary,
            status=row.status,
            status_on=row.status_on,
            inspectorate_status=row.inspectorate_status,
            inspectorate_status_on=row.inspectorate_status_on,
            due_on=row.due_on,
        )
        for row in snapshot.recommendations
    )
    return publication


@transaction.atomic
def report_withdraw(*, office: Office, report: InspectionReport, by: User) -> PublishedReport:
    """Take the report off the public site, and the letters shown with it. The
    publications stay in the history; publishing again puts it back."""
    _check_may_publish(office=office, report=report, by=by)
    live = (
        PublishedReport.objects.select_for_update()
        .filter(LIVE_PUBLICATION, office=office, report=report)
        .first()
    )
    if live is None:
        raise ValidationError(
            _("This report is not on your public site, so there is nothing to withdraw.")
        )
    now = timezone.now()
    live.withdrawn_at, live.withdrawn_by = now, by
    live.save(update_fields=["withdrawn_at", "withdrawn_by", "updated_at"])
    PublishedLetter.objects.filter(
        office=office, letter__report=report, withdrawn_at__isnull=True
    ).update(withdrawn_at=now, withdrawn_by=by, updated_at=now)
    return live


@transaction.atomic
def letter_publish(*, office: Office, letter: Letter, by: User) -> PublishedLetter:
    """Show an issued letter (its frozen PDF and checksum) with its published report."""
    letter = Letter.objects.select_for_update().select_related("report").get(pk=letter.pk)
    _check_may_publish(office=office, report=letter.report, by=by)
    if letter.status != Letter.Status.ISSUED:
        raise ValidationError(_("Only an issued letter can be published: issue it first."))
    if not PublishedReport.objects.filter(
        LIVE_PUBLICATION, office=office, report=letter.report_id
    ).exists():
        raise ValidationError(
            _(
                "Publish the report “%(title)s” first: a letter is shown on its report's "
                "public page."
            )
            % {"title": letter.report.title}
        )
    if PublishedLetter.objects.filter(
        office=office, letter=letter, withdrawn_at__isnull=True
    ).exists():
        raise ValidationError(_("This letter is already on your public site."))
    return PublishedLetter.objects.create(
        office=office, letter=letter, published_at=timezone.now(), published_by=by
    )


@transaction.atomic
def letter_withdraw(*, office: Office, letter: Letter, by: User) -> PublishedLetter:
    """Take a letter off the public site (the row stays, with who withdrew it and when)."""
    _check_may_publish(office=office, report=letter.report, by=by)
    live = (
        PublishedLetter.objects.select_for_update()
        .filter(office=office, letter=letter, withdrawn_at__isnull=True)
        .first()
    )
    if live is None:
        raise ValidationError(
            _("This letter is not on your public site, so there is nothing to withdraw.")
        )
    live.withdrawn_at, live.withdrawn_by = timezone.now(), by
    live.save(update_fields=["withdrawn_at", "withdrawn_by", "updated_at"])
    return live
