"""Reads for the public site.

Two kinds. For OPCC staff, what their office has published and what it could publish
(scoped by reports_visible_to and letters_visible_to, like every other page). For the
public, what an office has published, and nothing else: these read only the snapshot
tables (PublishedReport, PublishedRecommendation) and, for a published letter, the issued
letter's own frozen fields (kind, version, date, reference, checksum, PDF), never the live
records. A report or letter withdrawn, or replaced by a newer publication, is not read.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from letters.models import (
    LIVE_PUBLICATION,
    Letter,
    PublishedLetter,
    PublishedRecommendation,
    PublishedReport,
)
from letters.selectors import letters_visible_to
from oversight.models import InspectionReport, Office, User
from oversight.selectors import reports_visible_to

# A published letter's fields the public pages read (the snapshot and the drafts' fields
# are never loaded).
PUBLIC_LETTER_FIELDS = (
    "id",
    "report_id",
    "kind",
    "version",
    "status",
    "reference",
    "letter_date",
    "issued_at",
    "issued_pdf",
    "checksum",
)


# --- For the office's staff -----------------------------------------------------------------


@dataclass
class ReportRow:
    report: InspectionReport
    live: PublishedReport | None  # what the public sees now
    latest: PublishedReport | None  # the newest publication, live or not


@dataclass
class LetterRow:
    letter: Letter
    published: PublishedLetter | None
    report_live: bool


@dataclass
class PublicSiteOverview:
    office: Office
    reports: list[ReportRow] = field(default_factory=list)
    letters: list[LetterRow] = field(default_factory=list)

    @property
    def published_count(self) -> int:
        return sum(1 for row in self.reports if row.live)


def public_site_overview(user: User) -> PublicSiteOverview:
    """Every report of the forces the user's office oversees with its publication state,
    and their issued letters with theirs. Queries: 1 reports, 1 publications, 1 letters,
    1 published letters (the user's office comes with the user)."""
    office = user.office
    reports = list(
        reports_visible_to(user).select_related("force").order_by("-published_on", "title")
    )
    latest: dict[int, PublishedReport] = {}
    live: dict[int, PublishedReport] = {}
    publications = (
        PublishedReport.objects.filter(office=office)
        .select_related("published_by", "withdrawn_by")
        .order_by("report_id", "-version")
    )
    for publication in publications:
        latest.setdefault(publication.report_id, publication)
        if publication.is_live:
            live[publication.report_id] = publication
    letters = list(
        letters_visible_to(user)
        .filter(status=Letter.Status.ISSUED)
        .select_related("report")
        .only(*PUBLIC_LETTER_FIELDS, "report__title", "report__published_on")
        .order_by("-report__published_on", "report__title", "kind", "-version")
    )
    published = {
        row.letter_id: row
        for row in PublishedLetter.objects.filter(
            office=office, withdrawn_at__isnull=True
        ).select_related("published_by")
    }
    return PublicSiteOverview(
        office=office,
        reports=[ReportRow(r, live.get(r.pk), latest.get(r.pk)) for r in reports],
        letters=[
            LetterRow(letter, published.get(letter.pk), letter.report_id in live)
            for letter in letters
        ],
    )


def report_publications(*, office: Office, report: InspectionReport) -> list[PublishedReport]:
    """Every publication of the report by the office, newest first, with who published
    and withdrew it (one query)."""
    return list(
        PublishedReport.objects.filter(office=office, report=report)
        .select_related("published_by", "withdrawn_by")
        .order_by("-version")
    )


def report_letters_for_publishing(
    *, user: User, office: Office, report: InspectionReport
) -> list[LetterRow]:
    """The report's issued letters with their public state (two queries)."""
    letters = list(
        letters_visible_to(user)
        .filter(report=report, status=Letter.Status.ISSUED)
        .only(*PUBLIC_LETTER_FIELDS)
        .order_by("kind", "-version")
    )
    published = {
        row.letter_id: row
        for row in PublishedLetter.objects.filter(
            office=office, letter__report=report, withdrawn_at__isnull=True
        )
    }
    return [LetterRow(letter, published.get(letter.pk), True) for letter in letters]


# --- For the public -------------------------------------------------------------------------


def _live_publications(office: Office) -> QuerySet[PublishedReport]:
    return PublishedReport.objects.filter(LIVE_PUBLICATION, office=office)


def _public_letters(office: Office) -> QuerySet[Letter]:
    """Issued letters the office shows, whose report it shows too."""
    return (
        Letter.objects.filter(
            status=Letter.Status.ISSUED,
            pk__in=PublishedLetter.objects.filter(office=office, withdrawn_at__isnull=True).values(
                "letter_id"
            ),
        )
        .filter(Exists(_live_publications(office).filter(report=OuterRef("report_id"))))
        .only(*PUBLIC_LETTER_FIELDS)
    )


def public_offices() -> list[Office]:
    """Offices with something on their public site, by name (one query)."""
    return list(
        Office.objects.filter(slug__isnull=False)
        .filter(Exists(PublishedReport.objects.filter(LIVE_PUBLICATION, office=OuterRef("pk"))))
        .only("id", "name", "slug")
        .order_by("name")
    )


def public_office(slug: str) -> Office | None:
    """The office at this public address, if it has published anything (one query)."""
    return (
        Office.objects.filter(slug=slug)
        .filter(Exists(PublishedReport.objects.filter(LIVE_PUBLICATION, office=OuterRef("pk"))))
        .only("id", "name", "slug")
        .first()
    )


@dataclass
class PublicOfficePage:
    office: Office
    publications: list[PublishedReport]  # newest report first, each with .letters
    letters: list[Letter]  # newest first, each with .publication

    @property
    def updated_at(self) -> datetime.datetime:
        return max(p.published_at for p in self.publications)


def public_office_page(office: Office) -> PublicOfficePage:
    """The office's published reports (newest first, with their recommendation counts by
    status) and letters. Queries: 1 publications, 1 letters."""
    publications = list(
        _live_publications(office)
        .annotate(recommendation_count=Count("recommendations"))
        .order_by("-published_on", "title")
    )
    by_report = {p.report_id: p for p in publications}
    letters = sorted(
        _public_letters(office), key=lambda letter: (letter.letter_date, letter.pk), reverse=True
    )
    for publication in publications:
        publication.letters = []
    for letter in letters:
        letter.publication = by_report[letter.report_id]
        letter.publication.letters.append(letter)
    return PublicOfficePage(office=office, publications=publications, letters=letters)


@dataclass
class PublicReportPage:
    office: Office
    publication: PublishedReport
    letters: list[Letter]
    first_published_at: datetime.datetime

    @property
    def status_counts(self) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        for row in self.publication.recommendations.all():
            label = row.get_status_display()
            counts[label] = counts.get(label, 0) + 1
        return sorted(counts.items(), key=lambda item: -item[1])


def public_report_page(office: Office, report_id: int) -> PublicReportPage | None:
    """A published report with its recommendations and letters, or None if the office
    does not show it. Queries: 1 publication (with when it was first published),
    1 recommendations, 1 letters."""
    publication = (
        _live_publications(office)
        .filter(report_id=report_id)
        .annotate(
            first_published_at=PublishedReport.objects.filter(office=office, report_id=report_id)
            .order_by("version")
            .values("published_at")[:1]
        )
        .prefetch_related(
            Prefetch(
                "recommendations",
                queryset=PublishedRecommendation.objects.order_by("position", "pk"),
            )
        )
        .first()
    )
    if publication is None:
        return None
    letters = list(_public_letters(office).filter(report_id=report_id).order_by("kind", "-version"))
    return PublicReportPage(
        office=office,
        publication=publication,
        letters=letters,
        first_published_at=publication.first_published_at,
    )


def public_letter(office: Office, letter_id: int) -> Letter | None:
    """A letter the office shows, for its PDF (one query)."""
    return _public_letters(office).filter(pk=letter_id).first()


def public_register(office: Office) -> list[PublishedRecommendation]:
    """Every published recommendation of the office, newest report first, each with its
    publication (one query)."""
    return list(
        PublishedRecommendation.objects.filter(publication__in=_live_publications(office))
        .select_related("publication")
        .order_by("-publication__published_on", "publication__title", "position", "pk")
    )


def public_register_updated_at(office: Office) -> datetime.datetime | None:
    return _live_publications(office).aggregate(latest=Max("published_at"))["latest"]


def public_sitemap_entries() -> list[tuple[Office, list[PublishedReport]]]:
    """Every office with something published and its live publications (two queries)."""
    offices = public_offices()
    publications: dict[int, list[PublishedReport]] = {o.pk: [] for o in offices}
    for publication in (
        PublishedReport.objects.filter(LIVE_PUBLICATION)
        .only("id", "office_id", "report_id", "published_at")
        .order_by("office_id", "-published_on")
    ):
        if publication.office_id in publications:
            publications[publication.office_id].append(publication)
    return [(office, publications[office.pk]) for office in offices]


@dataclass(frozen=True)
class FeedEntry:
    title: str
    summary: str
    link: str  # also the entry's id: one per report, one per letter
    published: datetime.datetime
    updated: datetime.datetime


def public_feed_entries(office: Office) -> list[FeedEntry]:
    """What the office has published, newest first: each report it shows (published when
    first published, updated when last published) and each letter it shows. Queries:
    1 publications (with when each was first published), 1 letters, 1 when they were
    published."""
    first = (
        PublishedReport.objects.filter(office=office, report=OuterRef("report_id"))
        .values("report_id")
        .annotate(first=Min("published_at"))
        .values("first")
    )
    publications = list(
        _live_publications(office).annotate(
            first_published_at=first, recommendation_count=Count("recommendations")
        )
    )
    titles = {p.report_id: p.title for p in publications}
    entries = []
    for p in publications:
        link = reverse("public:report", args=[office.slug, p.report_id])
        summary = ngettext(
            "%(title)s (%(publisher)s, %(date)s): %(count)s recommendation, with a summary "
            "of progress.",
            "%(title)s (%(publisher)s, %(date)s): %(count)s recommendations, each with a "
            "summary of progress.",
            p.recommendation_count,
        ) % {
            "title": p.title,
            "publisher": p.publisher,
            "date": date_format(p.published_on, "j F Y"),
            "count": p.recommendation_count,
        }
        if p.version > 1:
            updated = date_format(timezone.localdate(p.published_at), "j F Y")
            summary += " " + _("Updated %(date)s.") % {"date": updated}
        entries.append(FeedEntry(p.title, summary, link, p.first_published_at, p.published_at))
    letters = list(_public_letters(office))
    shown_since = dict(
        PublishedLetter.objects.filter(
            office=office, withdrawn_at__isnull=True, letter__in=[letter.pk for letter in letters]
        ).values_list("letter_id", "published_at")
    )
    for letter in letters:
        title = f"{letter.get_kind_display()}: {titles[letter.report_id]}"
        link = reverse("public:report", args=[office.slug, letter.report_id])
        summary = _(
            "%(kind)s of %(date)s (version %(version)s), PDF with SHA-256 checksum %(checksum)s."
        ) % {
            "kind": letter.get_kind_display(),
            "date": date_format(letter.letter_date, "j F Y"),
            "version": letter.version,
            "checksum": letter.checksum,
        }
        published = shown_since[letter.pk]
        entries.append(
            FeedEntry(title, summary, f"{link}#letter-{letter.pk}", published, published)
        )
    return sorted(entries, key=lambda entry: entry.updated, reverse=True)
