"""Reads for recommendations, action plans, actions, updates, evidence and letters.

Each model has one `*_visible_to(user)` scoping function; everything a user sees starts
from one of them.

The pages build on these in their own modules: register, report_page,
recommendation_page, dashboard, my_actions, plan_pages, review_queue and history.
"""

import datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from oversight.models import Force, InspectionReport, NationalReport, User
from oversight.selectors import overseen_force_ids, people_visible_to, reports_visible_to
from recommendations.models import (
    Action,
    ActionPlan,
    Evidence,
    ExtensionRequest,
    InspectorateStatusChange,
    NationalRecommendation,
    ProgressUpdate,
    Recommendation,
)
from recommendations.national_import import ExistingNational, plan_national_import
from recommendations.spreadsheet_import import (
    NATIONAL_COLUMNS,
    ExistingRecommendation,
    ImportPlan,
    RowError,
    existing_from,
    parse_rows,
    plan_import,
    read_spreadsheet,
)


def recommendations_visible_to(user: User) -> QuerySet[Recommendation]:
    if not user.is_authenticated:
        return Recommendation.objects.none()
    if user.is_partner:
        # Partner leads see the recommendations their agency's actions serve.
        return Recommendation.objects.filter(
            Exists(
                Action.recommendations.through.objects.filter(
                    recommendation=OuterRef("pk"), action__partner_agency=user.partner_agency_id
                )
            )
        )
    if user.is_opcc:
        return Recommendation.objects.filter(report__force__in=overseen_force_ids(user))
    if user.is_force_user:
        return Recommendation.objects.filter(report__force=user.force_id)
    return Recommendation.objects.filter(report__in=reports_visible_to(user).values("pk"))


def action_plans_visible_to(user: User) -> QuerySet[ActionPlan]:
    if not user.is_authenticated:
        return ActionPlan.objects.none()
    if user.is_partner:
        return ActionPlan.objects.filter(
            Exists(
                Action.objects.filter(plan=OuterRef("pk"), partner_agency=user.partner_agency_id)
            )
        )
    if user.is_force_user:
        return ActionPlan.objects.filter(force=user.force_id)
    if user.is_opcc:
        return ActionPlan.objects.filter(report__force__in=overseen_force_ids(user))
    return ActionPlan.objects.filter(report__in=reports_visible_to(user).values("pk"))


def actions_visible_to(user: User) -> QuerySet[Action]:
    """Partner leads see only their agency's actions, never police-only ones."""
    if not user.is_authenticated:
        return Action.objects.none()
    if user.is_partner:
        return Action.objects.filter(partner_agency=user.partner_agency_id)
    if user.is_force_user:
        return Action.objects.filter(plan__force=user.force_id)
    if user.is_opcc:
        # The actions of the plans on the reports they see (as action_plans_visible_to),
        # joined to the plan and report rather than nested through them, so the planner
        # judges a reader of every force's rows correctly (oversight.selectors.
        # overseen_force_ids).
        return Action.objects.filter(plan__report__force__in=overseen_force_ids(user))
    return Action.objects.filter(plan__report__in=reports_visible_to(user).values("pk"))


def updates_visible_to(user: User) -> QuerySet[ProgressUpdate]:
    """The updates on the actions the user sees (as actions_visible_to decides), written as
    a join to the action and a test of its plan or agency: for a reader of every force the
    database then counts a few thousand updates without hashing all 120,000 actions."""
    if not user.is_authenticated:
        return ProgressUpdate.objects.none()
    if user.is_partner:
        return ProgressUpdate.objects.filter(action__partner_agency=user.partner_agency_id)
    if user.is_opcc:
        return ProgressUpdate.objects.filter(
            action__plan__report__force__in=overseen_force_ids(user)
        )
    if user.is_force_user:
        return ProgressUpdate.objects.filter(action__plan__force=user.force_id)
    return ProgressUpdate.objects.filter(
        action__plan__in=action_plans_visible_to(user).values("pk")
    )


def extensions_visible_to(user: User) -> QuerySet[ExtensionRequest]:
    """Requests to move the target dates of the actions the user sees (as
    actions_visible_to decides): OPCC staff and readers, those of the forces their office
    oversees."""
    if user.is_authenticated and user.is_opcc:
        return ExtensionRequest.objects.filter(
            action__plan__report__force__in=overseen_force_ids(user)
        )
    if user.is_authenticated and user.is_force_user:
        return ExtensionRequest.objects.filter(action__plan__force=user.force_id)
    return ExtensionRequest.objects.filter(action__in=actions_visible_to(user).values("pk"))


def evidence_visible_to(user: User) -> QuerySet[Evidence]:
    if user.is_authenticated and user.is_opcc:
        return Evidence.objects.filter(action__plan__report__force__in=overseen_force_ids(user))
    if user.is_authenticated and user.is_force_user:
        return Evidence.objects.filter(action__plan__force=user.force_id)
    return Evidence.objects.filter(action__in=actions_visible_to(user).values("pk"))


def delivery_leads_visible_to(user: User) -> QuerySet[User]:
    """People who lead an action the user can see: the register's owner filter."""
    return (
        people_visible_to(user)
        .filter(Exists(actions_visible_to(user).filter(delivery_lead=OuterRef("pk"))))
        .order_by("first_name", "last_name", "username")
    )


def superseding_choices(user: User, recommendation: Recommendation) -> QuerySet[Recommendation]:
    """Recommendations that may supersede this one: any other the user can see from a report
    published no earlier than this one's, newest report first. select_related: report."""
    return (
        recommendations_visible_to(user)
        .filter(report__published_on__gte=recommendation.report.published_on)
        .exclude(pk=recommendation.pk)
        .select_related("report")
        .order_by("-report__published_on", "report__title", "position")
    )


# Not answered by the force itself, so answering nothing else either.
COVERING_EXCLUDED = (
    Recommendation.Status.SUPERSEDED,
    Recommendation.Status.NO_ACTION,
    Recommendation.Status.COVERED,
    Recommendation.Status.FOR_INFORMATION,
)


def covering_choices(user: User, recommendation: Recommendation) -> QuerySet[Recommendation]:
    """Recommendations of the same force that may cover this one: any other the force
    answers (not superseded, no action, covered or for information), newest report first.
    select_related: report."""
    return (
        recommendations_visible_to(user)
        .filter(report__force=recommendation.report.force_id)
        .exclude(pk=recommendation.pk)
        .exclude(status__in=COVERING_EXCLUDED)
        .select_related("report")
        .order_by("-report__published_on", "report__title", "position")
    )


def transition_candidates(user: User, recommendation: Recommendation) -> list[Recommendation]:
    """superseding_choices and covering_choices together, in their order, for a page that
    shows both forms: one query instead of two (forms.TransitionForm splits them)."""
    return list(
        recommendations_visible_to(user)
        .filter(
            Q(report__published_on__gte=recommendation.report.published_on)
            | (Q(report__force=recommendation.report.force_id) & ~Q(status__in=COVERING_EXCLUDED))
        )
        .exclude(pk=recommendation.pk)
        .select_related("report")
        .order_by("-report__published_on", "report__title", "position")
    )


def inspectorate_changes_visible_to(user: User) -> QuerySet[InspectorateStatusChange]:
    """The inspectorate's dated verdicts on the recommendations the user sees."""
    if user.is_authenticated and user.is_opcc:
        return InspectorateStatusChange.objects.filter(
            recommendation__report__force__in=overseen_force_ids(user)
        )
    if user.is_authenticated and user.is_force_user:
        return InspectorateStatusChange.objects.filter(recommendation__report__force=user.force_id)
    return InspectorateStatusChange.objects.filter(
        recommendation__in=recommendations_visible_to(user).values("pk")
    )


def inspectorate_log_for(
    user: User, recommendation: Recommendation
) -> list[InspectorateStatusChange]:
    """A recommendation's inspectorate log, newest first. One query (select_related
    recorded_by)."""
    return list(
        inspectorate_changes_visible_to(user)
        .filter(recommendation=recommendation)
        .select_related("recorded_by")
        .order_by("-changed_on", "-pk")
    )


def carried_forward_into(user: User, afi: Recommendation) -> list[Recommendation]:
    """The later areas for improvement this one was carried into, oldest report first. One
    query (select_related report); none for a recommendation, which is never carried."""
    if not afi.is_afi:
        return []
    return list(
        recommendations_visible_to(user)
        .filter(carried_forward_from=afi)
        .select_related("report")
        .order_by("report__published_on", "pk")
    )


def carry_forward_reports(user: User, afi: Recommendation) -> QuerySet[InspectionReport]:
    """The reports an area for improvement may be carried into: a later inspection of the
    same force, not already holding it, newest first."""
    return (
        reports_visible_to(user)
        .filter(
            force=afi.report.force_id,
            published_on__gt=afi.report.published_on,
            source__in=InspectionReport.INSPECTORATE_SOURCES,
        )
        .exclude(recommendations__carried_forward_from=afi)
        .order_by("-published_on", "title")
    )


def recommendations_for_import(user: User, report: InspectionReport) -> QuerySet[Recommendation]:
    """A report's recommendations in its order, each with its inspectorate log newest first
    (prefetch_related inspectorate_changes): two queries however many there are. The
    spreadsheet template is written from them and an import is matched against them."""
    return (
        recommendations_visible_to(user)
        .filter(report=report)
        .prefetch_related(
            Prefetch(
                "inspectorate_changes",
                queryset=InspectorateStatusChange.objects.order_by("-changed_on", "-pk"),
            )
        )
        .order_by("position", "pk")
    )


def report_import_plan(
    *, user: User, report: InspectionReport, name: str, data: bytes, today: datetime.date
) -> ImportPlan:
    """What importing the spreadsheet `data` into the report would do, worked out from the
    file and the report as it stands now: two queries (recommendations_for_import)."""
    parsed = parse_rows(
        read_spreadsheet(name, data),
        is_inspection=report.is_inspection,
        source_label=report.get_source_display(),
        published_on=report.published_on,
        today=today,
    )
    existing = existing_from(recommendations_for_import(user, report))
    plan = plan_import(parsed, existing)
    if report.national_report_id:
        _refuse_wording_on_national_copy(plan)
    return plan


def register_history_starts_on(user: User) -> datetime.date | None:
    """The first day of the register's change history among the recommendations the user
    may see (the earliest day the register can be shown "as at"), None without any."""
    first = (
        Recommendation.history.filter(id__in=recommendations_visible_to(user).values("pk"))
        .order_by("history_date")
        .values_list("history_date", flat=True)
        .first()
    )
    return timezone.localdate(first) if first else None


def _refuse_wording_on_national_copy(plan: ImportPlan) -> None:
    """A force's copy of a national report imports HMICFRS statuses only: its wording is
    held on the national report."""
    refusals = [
        RowError(
            row.line,
            _(
                "%(ref)s is not in the national report: add it there, and every force "
                "answering it gets it."
            )
            % {"ref": row.fields["reference"]},
        )
        for row in plan.new
    ] + [
        RowError(
            row.line,
            _(
                "%(ref)s's wording, reference and timescale are held on the national report: "
                "change them there, or put back what this report holds."
            )
            % {"ref": row.reference},
        )
        for row in plan.changed
        if row.changes
    ]
    plan.errors = sorted([*plan.errors, *refusals], key=lambda error: error.line or 0)


# --- National and thematic reports ----------------------------------------------------


def national_reports_visible_to(user: User) -> QuerySet[NationalReport]:
    """OPCC staff and read-only users: every national report (its text is public, and an
    office looks for one already entered before entering it again); force users: those
    applied to their force. Which forces answer it, and how, is scoped by
    reports_visible_to and recommendations_visible_to."""
    if not user.is_authenticated:
        return NationalReport.objects.none()
    if user.is_opcc:
        return NationalReport.objects.all()
    return NationalReport.objects.filter(
        Exists(reports_visible_to(user).filter(national_report=OuterRef("pk")))
    )


def national_recommendations_visible_to(user: User) -> QuerySet[NationalRecommendation]:
    return NationalRecommendation.objects.filter(
        national_report__in=national_reports_visible_to(user).values("pk")
    )


def national_import_forces() -> list[Force]:
    """Every force, by name: an "Addressed to" cell may name any of them."""
    return list(Force.objects.order_by("name"))


def national_import_plan(
    *,
    user: User,
    national_report: NationalReport,
    name: str,
    data: bytes,
    today: datetime.date,
) -> ImportPlan:
    """What importing the spreadsheet into the national report would do: three queries."""
    parsed = parse_rows(
        read_spreadsheet(name, data),
        is_inspection=False,
        source_label=national_report.get_source_display(),
        published_on=national_report.published_on,
        today=today,
        columns=NATIONAL_COLUMNS,
    )
    existing = [
        ExistingNational(
            item=ExistingRecommendation(
                pk=national.pk,
                reference=national.reference,
                publisher_reference=national.publisher_reference,
                kind=national.kind,
                text=national.text,
                timescale=national.timescale,
                carried_forward=False,
                inspectorate_status=Recommendation.InspectorateStatus.AWAITING_REVIEW,
                inspectorate_status_on=None,
                log=(),
            ),
            addressed_forces=national.addressed_forces,
            named=tuple(sorted(force.pk for force in national.named_forces.all())),
            bodies=tuple(national.national_bodies),
            other=national.other_addressees,
        )
        for national in national_recommendations_visible_to(user)
        .filter(national_report=national_report)
        .prefetch_related("named_forces")
        .order_by("position", "pk")
    ]
    return plan_national_import(parsed, existing, national_import_forces())
