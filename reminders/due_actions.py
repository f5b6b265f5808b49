"""Due items from action plans, actions and reports: progress updates, action target
dates (revised or original), action plans due (publication + 6 weeks), the statutory
responses the report's source calls for (section 55 for HMICFRS and HMIC, the reply to a
coroner's report: each 56 days from the report's date) and formal responses due."""

import datetime
import logging

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from oversight.models import (
    ACTION_PLAN_DUE_WEEKS,
    CORONER_RESPONSE_DAYS,
    SECTION_55_RESPONSE_DAYS,
    InspectionReport,
    PriorityArea,
    User,
)
from recommendations.action_names import action_name
from recommendations.models import Action, ActionPlan, ProgressUpdate
from reminders.due_items import (
    DueItem,
    Person,
    content_type_id,
    ids,
    managers,
    people_by,
    person_name,
    short,
    subject_paths,
)

logger = logging.getLogger(__name__)


def opcc_staff_by_force(forces: QuerySet) -> dict[int, set[Person]]:
    """OPCC staff of the offices overseeing each force: who hears about statutory dates
    and escalations when no priority area names an OPCC lead. One query."""
    return people_by(
        User.objects.filter(
            role=User.Role.OPCC_STAFF, is_active=True, office__forces__in=forces
        ).values_list("office__forces", "pk", "manager_id")
    )


def area_leads_by_action(action_ids: QuerySet) -> dict[int, set[Person]]:
    """The OPCC leads of the priority areas each action serves (by action id), with their
    managers: the OPCC people who answer for an action, before the office's staff. One
    query."""
    return people_by(
        Action.recommendations.through.objects.filter(action__in=action_ids)
        .values_list(
            "action_id",
            "recommendation__priority_areas__opcc_lead_id",
            "recommendation__priority_areas__opcc_lead__manager_id",
        )
        .distinct()
    )


def action_due_items(*, today: datetime.date, horizon: datetime.date) -> list[DueItem]:
    """Progress updates due and target dates (revised, else original) of live actions.

    Whoever holds the ball is reminded. While it is the force's, that is the delivery
    lead (the plan owner while nobody leads the action); escalations go to the lead's
    manager (else the plan owner) and the OPCC leads of the action's priority areas (else
    the OPCC staff overseeing the force). While it is the OPCC's, the OPCC reviewer (those
    same OPCC people) is reminded and escalations go to their managers, never the lead:
    - an update submitted and not yet reviewed turns the update date into
      "update_review_due" (the lead's part is done);
    - a completion pending sign-off turns the target date into "sign_off_due" (no update
      is expected while it waits). Three queries.
    """
    action_type = content_type_id(Action)
    live = (
        Action.objects.filter(status__in=Action.LIVE_STATUSES)
        .annotate(current_target=Coalesce("revised_target_date", "target_date"))
        .filter(Q(next_update_due__lte=horizon) | Q(current_target__lte=horizon))
        .annotate(
            awaiting_review=Exists(
                ProgressUpdate.objects.filter(
                    action=OuterRef("pk"), review_state=ProgressUpdate.Review.SUBMITTED
                )
            )
        )
    )
    area_leads = area_leads_by_action(live.values("pk"))
    office_staff = opcc_staff_by_force(live.values("plan__force"))
    action_path = subject_paths("recommendations:action_detail")
    items = []
    for (
        pk,
        reference,
        description,
        force_id,
        force_name,
        next_update_due,
        current_target,
        lead_id,
        lead_manager_id,
        lead_first,
        lead_last,
        lead_username,
        plan_owner_id,
        plan_owner_manager_id,
        status,
        awaiting_review,
        plan_title,
        report_title,
    ) in live.values_list(
        "pk",
        "reference",
        "description",
        "plan__force_id",
        "plan__force__name",
        "next_update_due",
        "current_target",
        "delivery_lead_id",
        "delivery_lead__manager_id",
        "delivery_lead__first_name",
        "delivery_lead__last_name",
        "delivery_lead__username",
        "plan__owner_id",
        "plan__owner__manager_id",
        "status",
        "awaiting_review",
        "plan__title",
        "plan__report__title",
    ):
        if lead_id:
            recipients = frozenset({lead_id})
            manager = lead_manager_id or plan_owner_id
            lead = person_name(lead_first, lead_last, lead_username)
        else:
            recipients = frozenset({plan_owner_id} - {None})
            manager = plan_owner_manager_id
            lead = gettext_lazy("no delivery lead yet")
        opcc_people = area_leads.get(pk) or office_staff.get(force_id, set())
        force_side = (recipients, ids(opcc_people) | frozenset({manager} - {None}))
        opcc_side = (ids(opcc_people), managers(opcc_people))
        name = action_name(
            reference,
            plan_title=short(plan_title, 60),
            report_title=short(report_title, 60),
            force=force_name,
        )
        # Only "no delivery lead yet" needs the recipient's language.
        title = (
            f"{name}: {short(description)} ({lead})"
            if lead_id
            else format_lazy(
                "{name}: {what} ({lead})", name=name, what=short(description), lead=lead
            )
        )
        url = action_path(pk)
        if status == Action.Status.PENDING_SIGN_OFF:
            dates = [("sign_off_due", current_target, *opcc_side)]
        elif awaiting_review:
            dates = [
                ("update_review_due", next_update_due, *opcc_side),
                ("target_date", current_target, *force_side),
            ]
        else:
            dates = [
                ("update_due", next_update_due, *force_side),
                ("target_date", current_target, *force_side),
            ]
        for what, due_on, to, escalate_to in dates:
            if due_on is not None and due_on <= horizon:
                items.append(DueItem(action_type, pk, what, due_on, title, url, to, escalate_to))
    return items


def report_due_items(*, today: datetime.date, horizon: datetime.date) -> list[DueItem]:
    """The dates on a report that is not closed: the action plan (publication + 6 weeks,
    until received), the PCC's section 55 response (HMICFRS and HMIC reports only:
    publication + 56 days, until published), the reply to a coroner's report (its date + 56
    days, until sent) and the chief constable's formal response (the date set, until
    received). Other sources (IOPC, audit, other) have no statutory date.

    The plan owner (else the force's plan owners) is reminded of the action plan and the
    formal response, which they sign; the OPCC leads of the report's priority areas (else
    the OPCC staff overseeing the force) of the section 55 response, the reply to the
    coroner and the formal response, which they chase. Escalations go to their managers,
    and for the action plan also to the OPCC. Five queries.
    """
    report_type = content_type_id(InspectionReport)
    plan_cutoff = horizon - datetime.timedelta(weeks=ACTION_PLAN_DUE_WEEKS)
    section_55_cutoff = horizon - datetime.timedelta(days=SECTION_55_RESPONSE_DAYS)
    coroner_cutoff = horizon - datetime.timedelta(days=CORONER_RESPONSE_DAYS)
    reports = InspectionReport.objects.exclude(status=InspectionReport.Status.CLOSED).filter(
        Q(action_plan_received_on__isnull=True, published_on__lte=plan_cutoff)
        | Q(
            section_55_published_on__isnull=True,
            published_on__lte=section_55_cutoff,
            source__in=InspectionReport.SECTION_55_SOURCES,
        )
        | Q(
            coroner_response_sent_on__isnull=True,
            published_on__lte=coroner_cutoff,
            source=InspectionReport.Source.CORONER,
        )
        | Q(formal_response_received_on__isnull=True, formal_response_due_on__lte=horizon)
    )
    plan_owners = people_by(
        ActionPlan.objects.filter(report__in=reports.values("pk")).values_list(
            "report_id", "owner_id", "owner__manager_id"
        )
    )
    force_plan_owners = people_by(
        User.objects.filter(
            role=User.Role.PLAN_OWNER, is_active=True, force__in=reports.values("force")
        ).values_list("force_id", "pk", "manager_id")
    )
    area_leads = people_by(
        PriorityArea.objects.filter(report__in=reports.values("pk")).values_list(
            "report_id", "opcc_lead_id", "opcc_lead__manager_id"
        )
    )
    office_staff = opcc_staff_by_force(reports.values("force"))
    report_path = subject_paths("oversight:report_detail")
    items = []
    for (
        pk,
        title,
        force_id,
        force_name,
        source,
        published_on,
        plan_received_on,
        section_55_published_on,
        coroner_response_sent_on,
        formal_response_due_on,
        formal_response_received_on,
    ) in reports.values_list(
        "pk",
        "title",
        "force_id",
        "force__name",
        "source",
        "published_on",
        "action_plan_received_on",
        "section_55_published_on",
        "coroner_response_sent_on",
        "formal_response_due_on",
        "formal_response_received_on",
    ):
        force = plan_owners.get(pk) or force_plan_owners.get(force_id, set())
        opcc = area_leads.get(pk) or office_staff.get(force_id, set())
        dates = []
        if plan_received_on is None:
            due_on = published_on + datetime.timedelta(weeks=ACTION_PLAN_DUE_WEEKS)
            dates.append(("action_plan_due", due_on, ids(force), managers(force) | ids(opcc)))
        if section_55_published_on is None and source in InspectionReport.SECTION_55_SOURCES:
            due_on = published_on + datetime.timedelta(days=SECTION_55_RESPONSE_DAYS)
            dates.append(("section_55_due", due_on, ids(opcc), managers(opcc)))
        if coroner_response_sent_on is None and source == InspectionReport.Source.CORONER:
            due_on = published_on + datetime.timedelta(days=CORONER_RESPONSE_DAYS)
            dates.append(("coroner_response_due", due_on, ids(opcc), managers(opcc)))
        if formal_response_due_on is not None and formal_response_received_on is None:
            people = force | opcc
            dates.append(
                ("formal_response_due", formal_response_due_on, ids(people), managers(people))
            )
        url = report_path(pk)
        label = f"{short(title)} ({force_name})"
        for what, due_on, recipients, escalate_to in dates:
            if due_on <= horizon:
                items.append(
                    DueItem(report_type, pk, what, due_on, label, url, recipients, escalate_to)
                )
    return items


LABELS = {
    "update_due": gettext_lazy("Progress update due"),
    "target_date": gettext_lazy("Action target date"),
    "update_review_due": gettext_lazy("Progress update waiting for OPCC review"),
    "sign_off_due": gettext_lazy("Completion waiting for OPCC sign-off"),
    "action_plan_due": gettext_lazy("Action plan due"),
    "section_55_due": gettext_lazy("Section 55 response due"),
    "coroner_response_due": gettext_lazy("Response to the coroner due"),
    "formal_response_due": gettext_lazy("Chief constable's formal response due"),
}
