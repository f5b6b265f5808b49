"""Writes for national and thematic reports: held once, answered by many forces.

A NationalReport holds the text and its NationalRecommendations; applying it to a force
creates that force's own InspectionReport (national_report set) with one Recommendation per
national recommendation addressed to the force, or to no force at all (for information).
Those are the force's tracked responses: their own status, actions, updates, sign-off and
letter, through the ordinary services. The wording is held on the national
recommendation: every change to it is copied, in the same transaction, into every force's
response (one history entry each), and the force's copy cannot be edited on its own.

The office that entered a national report keeps its text; any OPCC staff apply it to the
forces their office oversees.
"""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oversight.models import NATIONAL_REPORT_FIELDS, Force, InspectionReport, NationalReport, User
from oversight.selectors import forces_visible_to
from oversight.shared.concurrency import lock_and_check_version
from recommendations.models import Action, NationalRecommendation, Recommendation
from recommendations.references import normalise_publisher_reference
from recommendations.selectors import national_import_plan, national_reports_visible_to
from recommendations.services import (
    NATIONAL_WORDING_FIELDS,
    _save_recommendation,
    recommendation_due_on,
)
from recommendations.spreadsheet_import import ImportPlan

# What a force's response takes from the national recommendation, and keeps in step.
WORDING_FIELDS = NATIONAL_WORDING_FIELDS

STALE_PREVIEW = gettext_lazy(
    "The national report's recommendations changed after the preview was shown, so the "
    "import would now do something else. Check the changes below again, then confirm.",
)


def _require_staff(by: User) -> None:
    if not by.is_authenticated or not by.is_opcc_staff:
        raise PermissionDenied("Only OPCC staff enter and apply national reports.")


def _require_keeper(by: User, national_report: NationalReport) -> None:
    _require_staff(by)
    if by.office_id != national_report.entered_by_id:
        raise PermissionDenied(
            f"{national_report.entered_by} entered this national report and keeps its text: "
            "ask them to change it."
        )


def _require_visible(by: User, national_report: NationalReport) -> None:
    if not national_reports_visible_to(by).filter(pk=national_report.pk).exists():
        raise PermissionDenied("You cannot see this national report.")


# --- The report ----------------------------------------------------------------------


def national_report_create(*, by: User, fields: Mapping[str, Any]) -> NationalReport:
    _require_staff(by)
    with transaction.atomic():
        national_report = NationalReport(entered_by_id=by.office_id)
        for name, value in fields.items():
            setattr(national_report, name, value)
        national_report.full_clean()
        national_report._history_user = by
        national_report.save()
    return national_report


def national_report_update(
    *, national_report: NationalReport, by: User, fields: Mapping[str, Any], version: str
) -> NationalReport:
    """Change the national report's own details; every force's copy takes the change."""
    _require_keeper(by, national_report)
    with transaction.atomic():
        lock_and_check_version(national_report, expected_version=version)
        for name, value in fields.items():
            setattr(national_report, name, value)
        national_report.full_clean()
        national_report._history_user = by
        national_report.save()
        for report in InspectionReport.objects.select_for_update().filter(
            national_report=national_report
        ):
            changed = False
            for name in NATIONAL_REPORT_FIELDS:
                value = getattr(national_report, name)
                if getattr(report, name) != value:
                    setattr(report, name, value)
                    changed = True
            if changed:
                try:
                    report.full_clean()
                except ValidationError as refusal:
                    raise ValidationError(
                        _("%(force)s's copy cannot take this change: %(why)s")
                        % {"force": report.force, "why": " ".join(refusal.messages)}
                    ) from None
                report._history_user = by
                report.save()
    return national_report


def national_report_apply(
    *, national_report: NationalReport, forces: Iterable[Force], by: User
) -> list[InspectionReport]:
    """Give each force its own copy of the national report, with a response to each
    recommendation addressed to it (and, for information, to each addressed to no force).
    All the forces, or none."""
    _require_staff(by)
    _require_visible(by, national_report)
    forces = list(forces)
    if not forces:
        raise ValidationError({"forces": _("Choose at least one force to apply it to.")})
    overseen = set(forces_visible_to(by).values_list("pk", flat=True))
    refused = [force for force in forces if force.pk not in overseen]
    if refused:
        raise PermissionDenied(
            "You may apply it only to forces your office oversees, not "
            f"{', '.join(str(force) for force in refused)}."
        )
    with transaction.atomic():
        locked = NationalReport.objects.select_for_update().get(pk=national_report.pk)
        already = dict(
            InspectionReport.objects.filter(national_report=locked, force__in=forces)
            .select_related("force")
            .values_list("force__name", "pk")
        )
        if already:
            raise ValidationError(
                {
                    "forces": _(
                        "Already applied to %(forces)s: choose only forces that do not yet "
                        "answer it."
                    )
                    % {"forces": ", ".join(sorted(already))}
                }
            )
        national_recommendations = list(
            locked.recommendations.prefetch_related("named_forces").order_by("position", "pk")
        )
        reports = []
        for force in sorted(forces, key=lambda force: force.name):
            report = InspectionReport(
                force=force,
                national_report=locked,
                **{name: getattr(locked, name) for name in NATIONAL_REPORT_FIELDS},
            )
            report.full_clean()
            report._history_user = by
            report.save()
            for national in national_recommendations:
                status = _response_status(national, force.pk, _named_ids(national))
                if status is not None:
                    _create_response(report, national, status=status, by=by)
            reports.append(report)
    return reports


def _named_ids(national: NationalRecommendation) -> set[int]:
    return {force.pk for force in national.named_forces.all()}


def _response_status(
    national: NationalRecommendation, force_id: int, named_ids: set[int]
) -> str | None:
    """The status a force's new response starts in: open when addressed to the force, for
    information when addressed to no force, None (no response) when addressed to others."""
    if national.is_addressed_to(force_id, named_ids):
        return Recommendation.Status.OPEN
    if national.addressed_forces == NationalRecommendation.Forces.NONE:
        return Recommendation.Status.FOR_INFORMATION
    return None


def _create_response(
    report: InspectionReport, national: NationalRecommendation, *, status: str, by: User
) -> Recommendation:
    last = Recommendation.objects.filter(report=report).aggregate(last=Max("position"))["last"]
    response = Recommendation(
        report=report,
        national_recommendation=national,
        position=(last or 0) + 1,
        status=status,
    )
    return _save_recommendation(
        response, by=by, fields={name: getattr(national, name) for name in WORDING_FIELDS}
    )


# --- Its recommendations ----------------------------------------------------------------


@dataclass(frozen=True)
class Addressees:
    forces: str  # NationalRecommendation.Forces
    named: tuple[Force, ...] = ()
    bodies: tuple[str, ...] = ()
    other: str = ""


def national_recommendation_save(
    *,
    national_report: NationalReport,
    by: User,
    fields: Mapping[str, Any],
    addressees: Addressees,
    national: NationalRecommendation | None = None,
    version: str | None = None,
) -> NationalRecommendation:
    """Add a recommendation to the national report, or change one (wording or addressees):
    every force answering the report takes it in the same transaction."""
    _require_keeper(by, national_report)
    with transaction.atomic():
        NationalReport.objects.select_for_update().get(pk=national_report.pk)
        if national is None:
            last = national_report.recommendations.aggregate(last=Max("position"))["last"]
            national = NationalRecommendation(
                national_report=national_report, position=(last or 0) + 1
            )
        elif version is not None:
            lock_and_check_version(national, expected_version=version)
        _save_national(national, by=by, fields=fields, addressees=addressees)
        _propagate(national, by=by)
    return national


def _save_national(
    national: NationalRecommendation,
    *,
    by: User,
    fields: Mapping[str, Any],
    addressees: Addressees,
) -> None:
    for name, value in fields.items():
        setattr(national, name, value)
    national.reference = national.reference.strip().upper()
    national.publisher_reference = normalise_publisher_reference(national.publisher_reference)
    siblings = NationalRecommendation.objects.filter(
        national_report=national.national_report_id
    ).exclude(pk=national.pk)
    if siblings.filter(reference__iexact=national.reference).exists():
        raise ValidationError(
            {
                "reference": _(
                    "This national report already has a recommendation %(ref)s: use another "
                    "reference or edit that one."
                )
                % {"ref": national.reference}
            }
        )
    if (
        national.publisher_reference
        and siblings.filter(publisher_reference__iexact=national.publisher_reference).exists()
    ):
        raise ValidationError(
            {
                "publisher_reference": _(
                    "Another recommendation of this national report has the publisher's ID "
                    "%(id)s: use another ID."
                )
                % {"id": national.publisher_reference}
            }
        )
    if addressees.forces == NationalRecommendation.Forces.NAMED and not addressees.named:
        raise ValidationError(
            {
                "named_forces": _(
                    "Name the forces it is addressed to, or choose all chief constables.",
                )
            }
        )
    if (
        addressees.forces == NationalRecommendation.Forces.NONE
        and not addressees.bodies
        and not addressees.other
    ):
        raise ValidationError(
            {
                "national_bodies": _(
                    "Addressed to no force: name the national bodies it is addressed to."
                )
            }
        )
    national.addressed_forces = addressees.forces
    national.national_bodies = list(addressees.bodies)
    national.other_addressees = addressees.other.strip()
    national.full_clean()
    national._history_user = by
    national.save()
    named = (
        list(addressees.named) if addressees.forces == NationalRecommendation.Forces.NAMED else []
    )
    national.named_forces.set(named)


def _propagate(national: NationalRecommendation, *, by: User) -> None:
    """Bring every force's response into step with the national recommendation: its
    wording, a response for each force newly addressed, and "for information" for a force
    no longer addressed whose response has not started (an answered one is left as it is)."""
    named_ids = _named_ids(national)
    reports = InspectionReport.objects.select_for_update().filter(
        national_report=national.national_report_id
    )
    responses = {
        response.report_id: response
        for response in Recommendation.objects.select_for_update(of=("self",))
        .select_related("report")
        .filter(national_recommendation=national)
    }
    started = set(
        Action.objects.filter(recommendations__in=[r.pk for r in responses.values()]).values_list(
            "recommendations", flat=True
        )
    )
    wording = {name: getattr(national, name) for name in WORDING_FIELDS}
    for report in reports:
        response = responses.get(report.pk)
        status = _response_status(national, report.force_id, named_ids)
        if response is None:
            if status is not None:
                _create_response(report, national, status=status, by=by)
            continue
        fields = {
            name: value for name, value in wording.items() if getattr(response, name) != value
        }
        if "timescale" in fields and response.due_on == recommendation_due_on(
            published_on=report.published_on, timescale=response.timescale
        ):
            fields["due_on"] = None  # worked out again from the new timescale
        untouched = response.pk not in started and response.status in (
            Recommendation.Status.OPEN,
            Recommendation.Status.FOR_INFORMATION,
        )
        wanted = status or Recommendation.Status.FOR_INFORMATION
        if untouched and response.status != wanted:
            fields["status"] = wanted
        if fields:
            _save_recommendation(response, by=by, fields=fields)


# --- Import ------------------------------------------------------------------------------


def national_recommendations_import(
    *,
    national_report: NationalReport,
    by: User,
    name: str,
    data: bytes,
    expected_fingerprint: str,
    today: datetime.date | None = None,
) -> ImportPlan:
    """Apply a spreadsheet to the national report in one transaction: new rows added and
    changed rows changed where they differ, each force's responses kept in step. Refuses
    when any row is bad or the plan is not the one previewed (code "stale")."""
    _require_keeper(by, national_report)
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = NationalReport.objects.select_for_update().get(pk=national_report.pk)
        plan = national_import_plan(
            user=by, national_report=locked, name=name, data=data, today=today
        )
        if plan.errors:
            raise ValidationError([str(error) for error in plan.errors], code="bad_rows")
        if plan.fingerprint != expected_fingerprint:
            raise ValidationError(STALE_PREVIEW, code="stale")
        forces = Force.objects.in_bulk(
            {pk for row in plan.new for pk in row.fields["addressees"]["named"]}
            | {
                pk
                for row in plan.changed
                for change in row.changes
                if change.field == "addressees"
                for pk in change.value["named"]
            }
        )
        for row in plan.new:
            fields = {name: row.fields[name] for name in WORDING_FIELDS}
            national_recommendation_save(
                national_report=locked,
                by=by,
                fields=fields,
                addressees=_addressees(row.fields["addressees"], forces),
            )
        existing = NationalRecommendation.objects.select_for_update().in_bulk(
            [row.pk for row in plan.changed]
        )
        for row in plan.changed:
            national = existing[row.pk]
            changes = {change.field: change.value for change in row.changes}
            value = changes.pop("addressees", None)
            addressees = (
                _addressees(value, forces)
                if value is not None
                else Addressees(
                    national.addressed_forces,
                    tuple(national.named_forces.all()),
                    tuple(national.national_bodies),
                    national.other_addressees,
                )
            )
            try:
                national_recommendation_save(
                    national_report=locked,
                    by=by,
                    fields=changes,
                    addressees=addressees,
                    national=national,
                )
            except ValidationError as refusal:
                raise ValidationError(
                    _("Line %(line)s: %(why)s")
                    % {"line": row.line, "why": " ".join(refusal.messages)}
                ) from None
    return plan


def _addressees(value: Mapping[str, Any], forces: Mapping[int, Force]) -> Addressees:
    return Addressees(
        forces=value["forces"],
        named=tuple(forces[pk] for pk in value["named"]),
        bodies=tuple(value["bodies"]),
        other=value["other"],
    )
