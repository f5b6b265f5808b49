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


def related_value(instance, path: str):
    """The value at `path` ("report__force_id", "action__plan__force_id") from `instance`:
    through the related objects it already holds, then at most one lookup by primary key
    for the rest of the path."""
    name, _, rest = path.partition("__")
    if not rest:
        return getattr(instance, name)
    related = held(instance, name)
    if related is not None:
        return related_value(related, rest)
    field = instance._meta.get_field(name)
    related_pk = getattr(instance, field.attname)
    manager = field.related_model._default_manager
    return manager.filter(pk=related_pk).values_list(rest, flat=True).first()


def offices_overseeing(force_ids: set[int]) -> dict[int, set[int]]:
    """Each force's overseeing offices, in one query."""
    offices: dict[int, set[int]] = {}
    links = Office.forces.through.objects.filter(force_id__in=force_ids)
    for force_id, office_id in links.values_list("force_id", "office_id"):
        offices.setdefault(force_id, set()).add(office_id)
    return offices


def place_report(report: InspectionReport) -> Placement | None:
    return placed(forces=[report.force_id])


def place_on_report(instance) -> Placement | None:
    """Priority areas, judgements, causes of concern and findings: the report's force."""
    return placed(forces=[related_value(instance, "report__force_id")])


def place_meeting(meeting: CommitteeMeeting) -> Placement | None:
    return placed(offices=[meeting.office_id])


def register_placements() -> None:
    pagecache.register_offices_of(offices_overseeing)
    # A report being logged may still be moved to another force.
    pagecache.register(InspectionReport, place_report, moves=["force_id"])
    for model in (PriorityArea, Judgement, CauseOfConcern, Finding):
        pagecache.register(model, place_on_report)
    pagecache.register(CommitteeMeeting, place_meeting)
