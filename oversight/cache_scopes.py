"""Where a change to the inspection domain belongs, for the page cache
(oversight.shared.pagecache): a report and what hangs off it belong to the report's force,
a committee meeting to its office. Forces, offices, partner agencies, people and national
reports are not placed: a change to them can alter anyone's pages.
"""

from oversight.models import (
    CauseOfConcern,
    CommitteeMeeting,
    Finding,
    InspectionReport,
    Judgement,
    Office,
    PriorityArea,
)
from oversight.shared import pagecache
from oversight.shared.pagecache import Placement, placed


def held(instance, field_name: str):
    """The related object the instance already holds (no query), or None."""
    return instance._meta.get_field(field_name).get_cached_value(instance, None)


def offices_overseeing(force_ids: set[int]) -> dict[int, set[int]]:
    """Each force's overseeing offices, in one query."""
    offices: dict[int, set[int]] = {}
    links = Office.forces.through.objects.filter(force_id__in=force_ids)
    for force_id, office_id in links.values_list("force_id", "office_id"):
        offices.setdefault(force_id, set()).add(office_id)
    return offices


def report_force_id(instance, field_name: str = "report") -> int | None:
    """The force of the report `instance` points to: from the report it holds, or one
    lookup by primary key."""
    report = held(instance, field_name)
    if report is not None:
        return report.force_id
    report_id = getattr(instance, f"{field_name}_id")
    return InspectionReport.objects.filter(pk=report_id).values_list("force_id", flat=True).first()


def place_report(report: InspectionReport) -> Placement | None:
    return placed(forces=[report.force_id])


def place_on_report(instance) -> Placement | None:
    """Priority areas, judgements, causes of concern and findings: the report's force."""
    return placed(forces=[report_force_id(instance)])


def place_meeting(meeting: CommitteeMeeting) -> Placement | None:
    return placed(offices=[meeting.office_id])


def register_placements() -> None:
    pagecache.register_offices_of(offices_overseeing)
    # A report being logged may still be moved to another force.
    pagecache.register(InspectionReport, place_report, moves=["force_id"])
    for model in (PriorityArea, Judgement, CauseOfConcern, Finding):
        pagecache.register(model, place_on_report)
    pagecache.register(CommitteeMeeting, place_meeting)
