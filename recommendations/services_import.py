"""Importing a report's recommendations from a spreadsheet: the writes.

The plan is worked out again here from the file's own bytes (never from what a preview
page posts back) with the report locked, and applied only when it is still the one the
person saw (its fingerprint) and no row is bad: every row, or none.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oversight.models import InspectionReport, User
from recommendations.models import Recommendation
from recommendations.selectors import report_import_plan
from recommendations.services import (
    _save_recommendation,
    inspectorate_status_record,
    recommendation_due_on,
    recommendations_create_many,
    require_recommendation_editor,
)
from recommendations.spreadsheet_import import ImportPlan, StatusChange

STALE_PREVIEW = gettext_lazy(
    "The report's recommendations changed after the preview was shown, so the import would "
    "now do something else. Check the changes below again, then confirm.",
)


@dataclass(frozen=True)
class ImportedFile:
    """The spreadsheet as uploaded: its name (which says CSV or .xlsx) and its bytes."""

    name: str
    data: bytes


def recommendations_import(
    *,
    report: InspectionReport,
    by: User,
    upload: ImportedFile,
    expected_fingerprint: str,
    today: datetime.date | None = None,
) -> ImportPlan:
    """Apply the spreadsheet to the report in one transaction: create the new rows, change
    only the changed fields of the changed rows (one history entry each), and log each
    HMICFRS status change through inspectorate_status_record. Refuses (ValidationError)
    when any row is bad, or when the plan is no longer the one previewed (code "stale")."""
    require_recommendation_editor(by, report)
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = InspectionReport.objects.select_for_update().get(pk=report.pk)
        plan = report_import_plan(
            user=by, report=locked, name=upload.name, data=upload.data, today=today
        )
        if plan.errors:
            raise ValidationError([str(error) for error in plan.errors], code="bad_rows")
        if plan.fingerprint != expected_fingerprint:
            raise ValidationError(STALE_PREVIEW, code="stale")
        if plan.new:
            created = recommendations_create_many(
                report=locked, by=by, rows=[row.fields for row in plan.new]
            )
            for row, recommendation in zip(plan.new, created, strict=True):
                if row.status_change:
                    _record_status(recommendation, row.status_change, by=by, line=row.line)
        changing = Recommendation.objects.select_for_update(of=("self",)).select_related("report")
        recommendations = changing.in_bulk([row.pk for row in plan.changed])
        for row in plan.changed:
            recommendation = recommendations[row.pk]
            if row.changes:
                fields = {change.field: change.value for change in row.changes}
                if "timescale" in fields and recommendation.due_on == recommendation_due_on(
                    published_on=locked.published_on, timescale=recommendation.timescale
                ):
                    # The due date came from the old timescale: work it out again.
                    fields["due_on"] = None
                try:
                    _save_recommendation(recommendation, by=by, fields=fields)
                except ValidationError as refusal:
                    raise _on_line(row.line, refusal) from None
            if row.status_change:
                _record_status(recommendation, row.status_change, by=by, line=row.line)
    return plan


def _record_status(
    recommendation: Recommendation, change: StatusChange, *, by: User, line: int
) -> None:
    try:
        inspectorate_status_record(
            recommendation=recommendation,
            by=by,
            status=change.status,
            changed_on=change.changed_on,
            comment=change.comment,
            source_url=change.source_url,
        )
    except ValidationError as refusal:
        raise _on_line(line, refusal) from None


def _on_line(line: int, refusal: ValidationError) -> ValidationError:
    return ValidationError(
        _("Line %(line)s: %(why)s") % {"line": line, "why": " ".join(refusal.messages)}
    )
