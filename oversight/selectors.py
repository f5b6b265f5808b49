"""Reads for the inspection domain.

Every queryset that reaches a user starts from a `*_visible_to(user)` function here or
in the other apps' selectors: pages, counts, exports, letters and search alike; or is
narrowed by a `*_scope(user, path)` condition, the same rule written on a related row the
query joins anyway.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_noop

from oversight.models import Force, InspectionReport, PartnerAgency, PriorityArea, User


def overseen_force_ids(user: User) -> list[int] | QuerySet[Force]:
    """The forces an OPCC user's office oversees, for `force__in=`: their ids as they
    arrived with the signed-in user (oversight.auth), otherwise the office's lookup as a
    subquery (a user loaded some other way: a task, a test).

    OPCC staff's and readers' scoping tests the report's force through joins
    (`report__force__in=`, `plan__report__force__in=`) rather than nesting the reports in
    a subquery: the pages join the report anyway, and PostgreSQL plans a list of updates
    with its action, plan, report and people in ~2 ms that way against ~6 ms with the
    reports' and plans' subqueries to pull up. Force users' scoping names their own force
    through the same joins (`report__force=`, `action__plan__force=`)."""
    loaded = getattr(user, "overseen_forces", False)
    if loaded is False:
        return Force.objects.filter(offices=user.office_id).values("pk")
    return [int(pk) for pk in loaded.split(",")] if loaded else []


def forces_visible_to(user: User) -> QuerySet[Force]:
    if not user.is_authenticated:
        return Force.objects.none()
    if user.is_opcc:
        return Force.objects.filter(pk__in=overseen_force_ids(user))
    if user.is_force_user:
        return Force.objects.filter(pk=user.force_id)
    if user.is_partner:
        return Force.objects.filter(partner_agencies=user.partner_agency_id)
    return Force.objects.none()


def reports_visible_to(user: User) -> QuerySet[InspectionReport]:
    """OPCC and read-only: the forces their office oversees; force users: their force;
    partner leads: reports with an action their agency owns."""
    if not user.is_authenticated:
        return InspectionReport.objects.none()
    if user.is_opcc:
        return InspectionReport.objects.filter(force__in=overseen_force_ids(user))
    if user.is_force_user:
        return InspectionReport.objects.filter(force=user.force_id)
    if user.is_partner:
        from django.apps import apps

        # Looked up by name: recommendations depends on oversight, not the other way.
        action_model = apps.get_model("recommendations", "Action")
        return InspectionReport.objects.filter(
            Exists(
                action_model.objects.filter(
                    plan__report=OuterRef("pk"), partner_agency=user.partner_agency_id
                )
            )
        )
    return InspectionReport.objects.none()


def reports_scope(user: User, path: str) -> Q:
    """The reports the user sees (reports_visible_to), as a condition on the report that
    `path` reaches from another model ("report", "priorityarea__report"). OPCC staff's,
    readers' and force users' reports are tested through the join to the report the query
    makes anyway, rather than as a subquery of reports: PostgreSQL spent longer planning
    the dashboard's deep-dive panel with that subquery's report pulled up (2 ms) than
    running it."""
    if user.is_authenticated and user.is_opcc:
        return Q(**{f"{path}__force__in": overseen_force_ids(user)})
    if user.is_authenticated and user.is_force_user:
        return Q(**{f"{path}__force": user.force_id})
    return Q(**{f"{path}__in": reports_visible_to(user).values("pk")})


def priority_areas_visible_to(user: User) -> QuerySet[PriorityArea]:
    return PriorityArea.objects.filter(reports_scope(user, "report"))


def people_visible_to(user: User) -> QuerySet[User]:
    """People the user may see and pick as an owner or lead: their own organisation's staff
    and, for the OPCC, the staff of the forces and partner agencies it oversees."""
    if not user.is_authenticated:
        return User.objects.none()
    if user.is_opcc:
        # The office's forces by their ids, as they arrived with the user, rather than
        # forces_visible_to()'s query nested twice (the same forces).
        forces = overseen_force_ids(user)
        people = (
            Q(office=user.office_id)
            | Q(force__in=forces)
            | Q(partner_agency__in=PartnerAgency.objects.filter(forces__in=forces).values("pk"))
        )
    elif user.is_force_user:
        people = Q(force=user.force_id) | Q(
            partner_agency__in=PartnerAgency.objects.filter(forces=user.force_id).values("pk")
        )
    else:
        people = Q(pk=user.pk) | Q(partner_agency=user.partner_agency_id)
    return User.objects.filter(people, is_active=True)


# --- Reports: list and statutory clocks -----------------------------------------------


def report_list_for(user: User) -> QuerySet[InspectionReport]:
    """The report list, newest first. select_related: force (shown on every row)."""
    return reports_visible_to(user).select_related("force").order_by("-published_on", "title")


@dataclass(frozen=True)
class Deadline:
    """A statutory or requested date a report is held to, as of a given day."""

    report: InspectionReport
    what: str
    due_on: datetime.date
    done_on: datetime.date | None
    days_left: int
    # English, as keys; pages show them through {% translate %} (marked with gettext_noop).
    done_word: str = "Done"  # e.g. "Published" or "Received", shown with done_on
    is_statutory: bool = False  # set by law (section 55, a coroner's report), not asked for

    @property
    def is_done(self) -> bool:
        return self.done_on is not None

    @property
    def is_overdue(self) -> bool:
        return not self.is_done and self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left

    @property
    def is_due_soon(self) -> bool:
        return not self.is_done and 0 <= self.days_left <= DUE_SOON_DAYS


DUE_SOON_DAYS = 14


def report_deadlines(report: InspectionReport, *, today: datetime.date) -> list[Deadline]:
    """The statutory response the report's source calls for, if any (the PCC's section 55
    comments on an HMICFRS or HMIC report, the reply to a coroner's report, both 56 days
    from its date), the force's action plan (published + 6 weeks) and, once requested, the
    chief constable's formal response. The statutory one comes first. No queries."""

    def deadline(what, due_on, done_on, done_word, *, is_statutory=False):
        return Deadline(
            report, what, due_on, done_on, (due_on - today).days, done_word, is_statutory
        )

    deadlines = []
    if report.has_section_55:
        deadlines.append(
            deadline(
                gettext_noop("Section 55 comments"),
                report.section_55_due_on,
                report.section_55_published_on,
                gettext_noop("Published"),
                is_statutory=True,
            )
        )
    if report.is_coroners_report:
        deadlines.append(
            deadline(
                gettext_noop("Response to the coroner"),
                report.coroner_response_due_on,
                report.coroner_response_sent_on,
                gettext_noop("Sent"),
                is_statutory=True,
            )
        )
    deadlines.append(
        deadline(
            gettext_noop("Force action plan"),
            report.action_plan_due_on,
            report.action_plan_received_on,
            "Received",
        )
    )
    if report.formal_response_due_on:
        deadlines.append(
            deadline(
                gettext_noop("Chief constable's formal response"),
                report.formal_response_due_on,
                report.formal_response_received_on,
                gettext_noop("Received"),
            )
        )
    return deadlines


def outstanding_deadline_condition() -> Q:
    """Reports with a deadline not yet met, as report_deadlines() works them out: for the
    dashboard's list and the reminders, so both agree with the report's page."""
    return (
        Q(section_55_published_on__isnull=True, source__in=InspectionReport.SECTION_55_SOURCES)
        | Q(coroner_response_sent_on__isnull=True, source=InspectionReport.Source.CORONER)
        | Q(action_plan_received_on__isnull=True)
        | Q(formal_response_due_on__isnull=False, formal_response_received_on__isnull=True)
    )
