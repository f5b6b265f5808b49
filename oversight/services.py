"""Writes for reports and what the OPCC logs against them.

Each service owns its transaction and takes keyword-only arguments. Only OPCC staff of an
office overseeing the report's force change these records; everyone else is refused with
PermissionDenied whatever page they came from. Edits lock the row and compare its version
(oversight.shared.concurrency), so a stale form never overwrites a newer save.
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from oversight.models import (
    NATIONAL_REPORT_FIELDS,
    CauseOfConcern,
    Finding,
    Force,
    InspectionReport,
    Judgement,
    PriorityArea,
    User,
)
from oversight.selectors import forces_visible_to, reports_visible_to
from oversight.shared.concurrency import lock_and_check_version
from oversight.shared.uploads import CheckedUpload, delete_file_on_commit


def _require_staff_for_force(by: User, force: Force) -> None:
    if not by.is_opcc_staff or not forces_visible_to(by).filter(pk=force.pk).exists():
        raise PermissionDenied("Only OPCC staff of an office overseeing this force can do this.")


def _require_staff_for_report(by: User, report: InspectionReport) -> None:
    if not by.is_opcc_staff or not reports_visible_to(by).filter(pk=report.pk).exists():
        raise PermissionDenied("Only OPCC staff of an office overseeing this force can do this.")


def _save(
    instance: models.Model,
    *,
    by: User,
    fields: Mapping[str, Any],
    version: str | None = None,
) -> models.Model:
    """Apply form values to the instance and save it with its many-to-many values.

    Call inside a transaction. With a version, the row is locked first and a stale edit
    raises StaleEditError before anything is written.
    """
    if version is not None:
        lock_and_check_version(instance, expected_version=version)
    many_to_many = {}
    for name, value in fields.items():
        if instance._meta.get_field(name).many_to_many:
            many_to_many[name] = value
        else:
            setattr(instance, name, value)
    areas = many_to_many.get("priority_areas") or []
    if any(area.report_id != instance.report_id for area in areas):
        raise ValidationError({"priority_areas": "Choose only priority areas of this report."})
    instance.full_clean()
    instance._history_user = by
    instance.save()
    for name, value in many_to_many.items():
        getattr(instance, name).set(value)
    return instance


def _lock_report(report: InspectionReport) -> InspectionReport:
    """Serialise additions to one report, so two people adding at once get distinct
    positions instead of a constraint error."""
    return InspectionReport.objects.select_for_update().get(pk=report.pk)


# --- Reports --------------------------------------------------------------------------


def report_create(*, by: User, fields: Mapping[str, Any]) -> InspectionReport:
    force = fields.get("force")
    if force is None:
        raise ValidationError({"force": "Choose the force the report is about."})
    _require_staff_for_force(by, force)
    with transaction.atomic():
        return _save(InspectionReport(), by=by, fields=fields)


def report_update(
    *, report: InspectionReport, by: User, fields: Mapping[str, Any], version: str
) -> InspectionReport:
    _require_staff_for_report(by, report)
    if report.national_report_id:
        # Compared with the row as stored: a ModelForm has already put its values on the
        # instance by the time it calls here.
        names = (*NATIONAL_REPORT_FIELDS, "force")
        stored = InspectionReport.objects.values(*names).get(pk=report.pk)
        held = [
            name
            for name in names
            if name in fields and getattr(fields[name], "pk", fields[name]) != stored[name]
        ]
        if held:
            raise ValidationError(
                "This is a force's copy of a national report: its title, source, dates, "
                "summary and link are held on the national report. Change them there."
            )
    if "force" in fields:
        _require_staff_for_force(by, fields["force"])
        # The force's people see its plan through the plan's force, everyone else through
        # the report: moving the report alone would leave the plan with the old force.
        # (The plan is compared, not `report.force`: a form has already set the new one.)
        plan = report.action_plans.exclude(force=fields["force"]).select_related("force").first()
        if plan is not None:
            raise ValidationError(
                {
                    "force": _(
                        "%(force)s has started its action plan for this report, so the report "
                        "stays with %(force)s. If it was logged against the wrong force, log "
                        "it again for the right one."
                    )
                    % {"force": plan.force}
                }
            )
    with transaction.atomic():
        return _save(report, by=by, fields=fields, version=version)


# --- Findings -------------------------------------------------------------------------


def finding_create(*, report: InspectionReport, by: User, fields: Mapping[str, Any]) -> Finding:
    _require_staff_for_report(by, report)
    with transaction.atomic():
        _lock_report(report)
        last = Finding.objects.filter(report=report, kind=fields.get("kind")).aggregate(
            last=Max("position")
        )["last"]
        finding = Finding(report=report, position=(last or 0) + 1)
        return _save(finding, by=by, fields=fields)


def finding_update(
    *, finding: Finding, by: User, fields: Mapping[str, Any], version: str
) -> Finding:
    _require_staff_for_report(by, finding.report)
    with transaction.atomic():
        return _save(finding, by=by, fields=fields, version=version)


# --- Judgements -----------------------------------------------------------------------


def judgement_create(*, report: InspectionReport, by: User, fields: Mapping[str, Any]) -> Judgement:
    _require_staff_for_report(by, report)
    with transaction.atomic():
        return _save(Judgement(report=report), by=by, fields=fields)


def judgement_update(
    *, judgement: Judgement, by: User, fields: Mapping[str, Any], version: str
) -> Judgement:
    _require_staff_for_report(by, judgement.report)
    with transaction.atomic():
        return _save(judgement, by=by, fields=fields, version=version)


# --- Priority areas -------------------------------------------------------------------


def priority_area_create(
    *, report: InspectionReport, by: User, fields: Mapping[str, Any]
) -> PriorityArea:
    """Adds the area at the position asked for, or after the last one."""
    _require_staff_for_report(by, report)
    fields = dict(fields)
    with transaction.atomic():
        _lock_report(report)
        if fields.get("position") is None:
            last = PriorityArea.objects.filter(report=report).aggregate(last=Max("position"))
            fields["position"] = (last["last"] or 0) + 1
        return _save(PriorityArea(report=report), by=by, fields=fields)


def priority_area_update(
    *, area: PriorityArea, by: User, fields: Mapping[str, Any], version: str
) -> PriorityArea:
    _require_staff_for_report(by, area.report)
    fields = dict(fields)
    if fields.get("position") is None:
        fields["position"] = area.position
    with transaction.atomic():
        return _save(area, by=by, fields=fields, version=version)


# --- Causes of concern ----------------------------------------------------------------


def cause_of_concern_create(
    *, report: InspectionReport, by: User, fields: Mapping[str, Any]
) -> CauseOfConcern:
    _require_staff_for_report(by, report)
    with transaction.atomic():
        return _save(CauseOfConcern(report=report), by=by, fields=fields)


def cause_of_concern_update(
    *, cause: CauseOfConcern, by: User, fields: Mapping[str, Any], version: str
) -> CauseOfConcern:
    _require_staff_for_report(by, cause.report)
    with transaction.atomic():
        return _save(cause, by=by, fields=fields, version=version)


# --- The report's own file ------------------------------------------------------------


def report_file_attach(
    *, report: InspectionReport, by: User, upload: CheckedUpload
) -> InspectionReport:
    """Attach the inspection report's PDF (checked by the form), replacing any earlier one.

    The file is written before the row is saved; if the save fails the file is deleted
    again, so nothing is left half-saved. The replaced file is deleted once the new one
    is committed."""
    _require_staff_for_report(by, report)
    storage = InspectionReport._meta.get_field("report_file").storage
    stored = ""
    try:
        with transaction.atomic():
            report = InspectionReport.objects.select_for_update().get(pk=report.pk)
            replaced = report.report_file.name
            upload.file.seek(0)
            report.report_file.save(upload.safe_name, upload.file, save=False)
            stored = report.report_file.name
            report._history_user = by
            report.save()
            delete_file_on_commit(storage, replaced)
    except BaseException:
        if stored:
            storage.delete(stored)
        raise
    return report
