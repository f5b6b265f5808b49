"""Every main page runs a fixed number of queries, at most 14 (the dashboard 8, and 9 for
its first render after a change, which counts the changed forces' tiles afresh),
whatever the data.

Each page is counted for the personas that see the most of it (OPCC staff, a police lead,
a partner lead, a plan owner), with the panels other apps register, in a small world and
again after the world has grown several times over: the two counts must be equal. The
world holds a national report too, applied to force A and to more forces as it grows
(force copies and their responses, one for information, one covered by another), so every
page is counted with national data and the national report pages with more forces and
more recommendations. (Timings at national scale are measured by `make bench`, not here.)
"""

import datetime
from dataclasses import dataclass

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from oversight.models import NationalReport, User
from recommendations.filters import REGISTER_SORTS
from recommendations.models import (
    Action,
    Evidence,
    ExtensionRequest,
    NationalRecommendation,
    ProgressUpdate,
    Rag,
)
from recommendations.services import recommendation_transition
from recommendations.services_national import (
    Addressees,
    national_recommendation_save,
    national_report_apply,
    national_report_create,
)
from reminders.models import Reminder
from reviews.models import Assurance
from tests import factories

BUDGET = 14
# The dashboard reads its lists' first rows with its forces' kept counts
# (recommendations.tallies); it was allowed 11 before they were kept, BUDGET before its
# lists of actions and of progress updates were read in one query each.
BUDGETS = {"dashboard": 8}
# Just after a change the dashboard counts the changed forces' tiles and lists afresh
# (recommendations.tallies): one more (it was allowed 12 before the lists were kept, 16
# before its trends' current quarter came with the kept counts, 15 before its lists were
# read together).
AFTER_CHANGE_BUDGETS = {"dashboard": 9}
SMALL, MORE = 2, 8
# The national report gains a force and a recommendation every few steps (each one is
# applied through the services, which is slow): none in the small world, one more later.
NATIONAL_EVERY = 8


@dataclass
class World:
    """Force A's report, plan and everything hanging off them, grown `n` at a time."""

    report: object
    plan: object
    office: object
    lead: object
    partner: object
    staff: object
    national_report: object = None
    region: object = None  # an office overseeing force A and every force added
    region_staff: object = None
    region_reader: object = None
    grown: int = 0

    def grow(self, n: int) -> None:
        today = timezone.localdate()
        for _ in range(n):
            self.grown += 1
            i = self.grown
            if i % NATIONAL_EVERY == 0:
                self._grow_national(i)
            area = factories.PriorityAreaFactory(
                report=self.report, position=i, title=f"Priority area {i}"
            )
            factories.FindingFactory(report=self.report).priority_areas.add(area)
            cause = factories.CauseOfConcernFactory(report=self.report, reference=f"C{i}")
            cause.priority_areas.add(area)
            factories.JudgementFactory(report=self.report, topic=f"Topic {i}")
            recommendation = factories.RecommendationFactory(
                report=self.report, due_on=today + datetime.timedelta(days=i % 20)
            )
            recommendation.priority_areas.add(area)
            not_started = factories.RecommendationFactory(
                report=self.report, due_on=today + datetime.timedelta(days=60)
            )
            not_started.priority_areas.add(area)  # no actions yet: RAG "none", not overdue
            police = factories.ActionFactory(
                plan=self.plan,
                reference=f"P{i}",
                delivery_lead=self.lead,
                rag=[Rag.RED, Rag.AMBER, Rag.GREEN][i % 3],
                next_update_due=today + datetime.timedelta(days=i % 30 - 10),
                target_date=today + datetime.timedelta(days=i % 40 - 20),
                recommendations=[recommendation],
            )
            # A request to move its target date waiting for the OPCC (the review queue), and
            # one more refused request on P1 (the action page lists them all).
            factories.ExtensionRequestFactory(action=police, requested_by=self.lead)
            factories.ExtensionRequestFactory(
                action=self.plan.actions.get(reference="P1"),
                requested_by=self.lead,
                requested_at=timezone.now() - datetime.timedelta(days=i),
                decision=ExtensionRequest.Decision.REFUSED,
                decided_by=self.staff,
                decided_at=timezone.now(),
                decision_comment="Keep the date.",
            )
            factories.ActionFactory(
                plan=self.plan,
                reference=f"Q{i}",
                delivery_lead=self.partner,
                partner_agency=self.partner.partner_agency,
                next_update_due=today + datetime.timedelta(days=i % 30 - 10),
                recommendations=[recommendation],
            )
            factories.ActionFactory(
                plan=self.plan,
                reference=f"S{i}",
                delivery_lead=self.lead,
                status=Action.Status.PENDING_SIGN_OFF,
                completion_proposed_by=self.lead,
                completion_proposed_at=timezone.now(),
                recommendations=[recommendation],
            )
            for state in ProgressUpdate.Review:
                update = factories.ProgressUpdateFactory(
                    action=police,
                    review_state=state,
                    reviewed_by=None if state == ProgressUpdate.Review.SUBMITTED else self.staff,
                    reviewed_at=None
                    if state == ProgressUpdate.Review.SUBMITTED
                    else timezone.now(),
                    review_comment="Add the figures." if state == "returned" else "",
                )
                Evidence.objects.create(
                    action=police,
                    update=update,
                    file=f"evidence/{i}-{state}.pdf",
                    original_name=f"{i}-{state}.pdf",
                    content_type="application/pdf",
                    size=100,
                    sha256="0" * 64,
                    uploaded_by=self.lead,
                )
            review = factories.DeepDiveReviewFactory(
                office=self.office,
                force=self.report.force,
                report=self.report,
                held_on=today - datetime.timedelta(days=i),
                plans_assurance=Assurance.ASSURED,
                plans_rationale="Credible plans.",
            )
            review.priority_areas.add(area)
            factories.LineOfEnquiryFactory(review=review, position=1)
            factories.FollowUpFactory(review=review, owner=self.lead, recommendation=recommendation)
            factories.FollowUpFactory(review=review, owner=self.partner)
            investment = factories.InvestmentFactory(office=self.office, force=self.report.force)
            investment.recommendations.add(recommendation)
            factories.LetterFactory(report=self.report, version=i)
            for person in (self.lead, self.partner, self.staff):
                Reminder.objects.create(
                    subject_type=ContentType.objects.get_for_model(Action),
                    subject_id=police.pk,
                    what="update_due",
                    due_on=today,
                    stage=Reminder.Stage.OVERDUE,
                    recipient=person,
                    title=f"{police.reference}: update due",
                    url=police.get_absolute_url(),
                )

    def start_national(self) -> None:
        """A national report with one recommendation to every force and one to national
        bodies only, applied to force A; force A's response to the first has an action, an
        accepted update and a response covered by it. The forces added later are overseen
        by a regional office (with force A), so force A's office keeps seeing one force and
        the regional reader sees them all."""
        self.region = factories.OfficeFactory(name="Regional office", forces=[self.report.force])
        self.region_staff = factories.UserFactory(
            username="region-staff", role=User.Role.OPCC_STAFF, office=self.region
        )
        self.region_reader = factories.UserFactory(
            username="region-reader", role=User.Role.READ_ONLY, office=self.region
        )
        self.national_report = national_report_create(
            by=self.staff,
            fields={
                "title": "A national thematic inspection",
                "source": NationalReport.Source.HMICFRS,
                "programme": NationalReport.Programme.THEMATIC,
                "published_on": timezone.localdate() - datetime.timedelta(days=30),
            },
        )
        for reference, addressees in [
            ("N1", Addressees(NationalRecommendation.Forces.ALL)),
            ("N2", Addressees(NationalRecommendation.Forces.ALL)),
            (
                "N0",
                Addressees(
                    NationalRecommendation.Forces.NONE,
                    bodies=(NationalRecommendation.Body.NPCC,),
                ),
            ),
        ]:
            self._national(reference, addressees)
        (copy,) = national_report_apply(
            national_report=self.national_report, forces=[self.report.force], by=self.staff
        )
        responses = {rec.reference: rec for rec in copy.recommendations.all()}
        plan = factories.ActionPlanFactory(
            report=copy, force=copy.force, owner=self.plan.owner, title="National plan"
        )
        action = factories.ActionFactory(
            plan=plan, reference="N1", delivery_lead=self.lead, recommendations=[responses["N1"]]
        )
        factories.ProgressUpdateFactory(
            action=action,
            review_state=ProgressUpdate.Review.ACCEPTED,
            reviewed_by=self.staff,
            reviewed_at=timezone.now(),
        )
        recommendation_transition(
            recommendation=responses["N2"],
            to_status="covered",
            by=self.staff,
            covered_by=responses["N1"],
        )

    def _national(self, reference: str, addressees) -> None:
        national_recommendation_save(
            national_report=self.national_report,
            by=self.staff,
            fields={
                "reference": reference,
                "publisher_reference": f"NAT {reference}",
                "text": f"Chief constables should improve national practice {reference}.",
                "timescale": "6_months",
            },
            addressees=addressees,
        )

    def _grow_national(self, i: int) -> None:
        """One more recommendation (to named forces: force A and the new force) and one
        more force, overseen by the regional office, answering the report."""
        force = factories.ForceFactory(name=f"National force {i} Police")
        self.region.forces.add(force)
        national_report_apply(
            national_report=self.national_report, forces=[force], by=self.region_staff
        )
        self._national(
            f"G{i}",
            Addressees(NationalRecommendation.Forces.NAMED, named=(self.report.force, force)),
        )


@pytest.fixture
def region_reader(world):
    return world.region_reader


@pytest.fixture
def world(report_a, plan_a, office_a, police_lead_a, partner_lead, opcc_staff):
    built = World(
        report=report_a,
        plan=plan_a,
        office=office_a,
        lead=police_lead_a,
        partner=partner_lead,
        staff=opcc_staff,
    )
    factories.InspectionReportFactory(force=report_a.force, parent=report_a)
    built.start_national()
    built.grow(SMALL)
    return built


def _url(page: str, world: World) -> str:
    first_area = world.report.priority_areas.order_by("position").first()
    police = world.plan.actions.filter(reference="P1").get()
    partner_action = world.plan.actions.filter(reference="Q1").get()
    review = world.report.reviews.order_by("pk").first()
    register = reverse("recommendations:register")
    pages = {
        "dashboard": reverse("recommendations:dashboard"),
        "register": register,
        "register_filtered": (
            f"{register}?status=any_open&rag=amber&overdue=true&priority_area={first_area.pk}"
            f"&owner={world.lead.pk}&force={world.report.force_id}&report={world.report.pk}"
            "&q=thing"
        ),
        "report_detail": world.report.get_absolute_url(),
        "recommendation_detail": police.recommendations.get().get_absolute_url(),
        "action_detail": police.get_absolute_url(),
        "partner_action_detail": partner_action.get_absolute_url(),
        "my_actions": reverse("recommendations:my_actions"),
        "plan_detail": world.plan.get_absolute_url(),
        "plan_list": reverse("recommendations:plan_list"),
        "review_queue": reverse("recommendations:review_queue"),
        "review_list": reverse("reviews:review_list"),
        "review_detail": review.get_absolute_url(),
        "investment_list": reverse("reviews:investment_list"),
        "notifications": reverse("reminders:notifications"),
        "letter_list": reverse("letters:letter_list", args=[world.report.pk]),
        "report_list": reverse("oversight:report_list"),
        "national_report_list": reverse("recommendations:national_report_list"),
        "national_report_detail": world.national_report.get_absolute_url(),
        "national_recommendation_detail": world.national_report.recommendations.get(
            reference="N1"
        ).get_absolute_url(),
        "national_for_information_detail": world.national_report.recommendations.get(
            reference="N0"
        ).get_absolute_url(),
    }
    if page.startswith("register?"):
        return register + page.removeprefix("register")
    return pages[page]


PAGES = [
    ("dashboard", "opcc_staff"),
    ("dashboard", "read_only"),
    ("register", "opcc_staff"),
    ("register", "police_lead_a"),
    ("register", "partner_lead"),
    ("register_filtered", "opcc_staff"),
    ("register?rag=none", "opcc_staff"),
    ("register?overdue=false", "opcc_staff"),
    *[(f"register?sort={key}", "opcc_staff") for key in REGISTER_SORTS],
    *[(f"register?sort=-{key}", "opcc_staff") for key in REGISTER_SORTS],
    ("report_detail", "opcc_staff"),
    ("report_detail", "police_lead_a"),
    ("report_detail", "partner_lead"),
    ("recommendation_detail", "opcc_staff"),
    ("recommendation_detail", "police_lead_a"),
    ("recommendation_detail", "partner_lead"),
    ("action_detail", "opcc_staff"),
    ("action_detail", "police_lead_a"),
    ("partner_action_detail", "partner_lead"),
    ("my_actions", "police_lead_a"),
    ("my_actions", "partner_lead"),
    ("my_actions", "plan_owner_a"),
    ("plan_detail", "opcc_staff"),
    ("plan_detail", "police_lead_a"),
    ("plan_detail", "partner_lead"),
    ("plan_list", "opcc_staff"),
    ("plan_list", "police_lead_a"),
    ("plan_list", "partner_lead"),
    ("review_queue", "opcc_staff"),
    ("review_list", "opcc_staff"),
    ("review_list", "police_lead_a"),
    ("review_detail", "opcc_staff"),
    ("investment_list", "opcc_staff"),
    ("notifications", "opcc_staff"),
    ("notifications", "police_lead_a"),
    ("notifications", "partner_lead"),
    ("letter_list", "opcc_staff"),
    ("letter_list", "plan_owner_a"),
    ("report_list", "opcc_staff"),
    ("national_report_list", "opcc_staff"),
    ("national_report_list", "read_only"),
    ("national_report_list", "police_lead_a"),
    ("national_report_detail", "opcc_staff"),
    ("national_report_detail", "read_only"),
    ("national_report_detail", "police_lead_a"),
    ("national_recommendation_detail", "opcc_staff"),
    ("national_recommendation_detail", "read_only"),
    ("national_recommendation_detail", "police_lead_a"),
    ("national_report_list", "region_reader"),
    ("national_report_detail", "region_reader"),
    ("national_recommendation_detail", "region_reader"),
    ("national_for_information_detail", "opcc_staff"),
]


@pytest.fixture(autouse=True)
def _pages_rendered(settings):
    """Budgets are for a page rendered afresh, not one the page cache serves."""
    settings.PAGE_CACHE_SECONDS = 0


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


PERSONAS = sorted({persona for _, persona in PAGES})


@pytest.mark.parametrize("persona", PERSONAS)
def test_pages_run_the_same_queries_in_a_small_and_a_larger_world(client, request, world, persona):
    """One world per persona (building it is the slow part): every page this persona is
    counted on, in the small world and again after it has grown."""
    client.force_login(request.getfixturevalue(persona))
    urls = {page: _url(page, world) for page, who in PAGES if who == persona}
    small = {}
    for page, url in urls.items():
        client.get(url)  # the first request also loads what every later one has cached
        small[page] = _count(client, url)
    world.grow(MORE)
    # The first request after the world changed may count afresh what a page keeps for
    # the forces changed (the dashboard's tiles, recommendations.tallies): held to the
    # same budget, and the next request to the same count as in the small world.
    after_change = {page: _count(client, url) for page, url in urls.items()}
    larger = {page: _count(client, url) for page, url in urls.items()}
    problems = [
        f"{page} as {persona}: {small[page]} then {larger[page]}"
        for page in urls
        if larger[page] != small[page]
    ] + [
        f"{page} as {persona} runs {counts[page]} queries{when}"
        for counts, when, budgets in (
            (small, "", BUDGETS),
            (after_change, " just after a change", AFTER_CHANGE_BUDGETS),
        )
        for page in urls
        if counts[page] > budgets.get(page, BUDGET)
    ]
    assert not problems, "\n".join(problems)
