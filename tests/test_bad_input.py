"""Bad input, generated: every form of the project, driven through the view that handles
it, and the paste import.

Each example starts from values the form accepts and spoils some of them: unicode and
control characters, very long text, numbers out of range, malformed dates, ids of objects
the person may not use (force B's, or another report's), missing fields, odd files. Then:

- the server never fails (a 5xx, or an exception out of the view, fails the test);
- a refusal (400, 403, 404, 409) or a re-shown form (200) saves nothing: every domain
  table and the private file storage are as they were;
- what is accepted (a redirect) can be shown: the page it leads to, and the pages that
  list it, answer without a server error.

The world is built once per test; each example runs in a savepoint that is rolled back.
"""

import os
import string
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from oversight.shared.concurrency import version_of
from recommendations.models import Recommendation
from recommendations.paste_import import MAX_ITEMS, parse_recommendations
from recommendations.services_bulk import selection_value
from tests import factories
from tests.hardening_world import (
    World,
    build_world,
    changed_tables,
    database_fingerprint,
    signed_in_clients,
    stored_files,
)

S, PO, L = "opcc_staff", "plan_owner_a", "police_lead_a"

# BAD_INPUT_EXAMPLES=500 runs a deeper search than the suite's quick one.
EXAMPLES = settings(
    max_examples=int(os.environ.get("BAD_INPUT_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@pytest.fixture
def personas(
    opcc_staff, read_only, plan_owner_a, police_lead_a, police_lead_b, partner_lead, opcc_staff_b
):
    return {
        "opcc_staff": opcc_staff,
        "read_only": read_only,
        "plan_owner_a": plan_owner_a,
        "police_lead_a": police_lead_a,
        "police_lead_b": police_lead_b,
        "partner_lead": partner_lead,
        "opcc_staff_b": opcc_staff_b,
    }


@pytest.fixture
def world(personas) -> World:
    from oversight.accounts.services import invitation_create

    staff = personas["opcc_staff"]
    staff.is_office_admin = True  # office A's administrator: the people forms
    staff.save(update_fields=["is_office_admin"])
    world = build_world(personas, issue_letter=False)
    world.invitation, world.invitation_token = invitation_create(
        admin=staff,
        email="invited@force-a.example",
        first_name="Ivy",
        last_name="Invited",
        role="police_lead",
        organisation=world.force_a,
    )
    return world


@pytest.fixture
def clients(personas) -> dict[str, Client]:
    # Nobody is signed in when they accept an invitation.
    return {**signed_in_clients(personas), "anonymous": Client()}


@pytest.fixture
def baseline(world, clients) -> dict:
    """The fingerprint of the world as built: each example is rolled back to it."""
    return database_fingerprint()


# --- What bad input looks like -----------------------------------------------------------

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n\t\x0b\x0c",
    "\u202eevil",
    "\ufeff",
    "😀" * 10,
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    '=HYPERLINK("http://example.com")',
    "' OR 1=1 --",
    "../../etc/passwd",
    "file:///etc/passwd",
    "-1",
    "0",
    "1e309",
    "NaN",
    "-Infinity",
    "99999999999999999999999999",
    "0.000000001",
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "31/12/2026",
    "2026-1-1",
    "yesterday",
    "true",
    "None",
    "[]",
]

texts = st.text(max_size=60)
long_texts = st.builds(
    lambda unit, times: unit * times, st.text(min_size=1, max_size=4), st.integers(300, 20_000)
)
numbers = st.integers(min_value=-(10**30), max_value=10**30).map(str)
decimals = st.decimals(allow_nan=True, allow_infinity=True).map(str)
dates = st.dates().map(lambda day: day.isoformat())
# The ends of the calendar: a date some days from one overflows when a deadline is added.
calendar_ends = st.sampled_from(["0001-01-01", "0001-01-31", "9999-12-31", "9999-11-30"])
junk = st.one_of(st.sampled_from(NASTY), texts, long_texts, numbers, decimals, dates, calendar_ends)

file_names = st.one_of(
    st.sampled_from(
        ["evidence.pdf", "../../evil.pdf", "a" * 300 + ".pdf", "nul\x00.pdf", "x.exe", ".pdf"]
    ),
    st.text(alphabet=string.printable, min_size=1, max_size=40).filter(
        lambda name: "\n" not in name and "\r" not in name and '"' not in name
    ),
)
file_bodies = st.one_of(
    st.binary(max_size=2_000),
    st.just(factories.tiny_pdf()),
    st.just(b"%PDF-1.4 not really"),
    st.just(b"MZ\x90\x00 a program"),
    st.just(b"PK\x03\x04 a broken zip"),
)


def _upload(name: str, body: bytes) -> SimpleUploadedFile:
    try:
        return SimpleUploadedFile(name, body)
    except SuspiciousFileOperation:  # Django itself refuses names such as ".." to the client
        return SimpleUploadedFile("unnamed", body)


bad_files = st.lists(st.builds(_upload, file_names, file_bodies), max_size=3)
good_files = st.one_of(
    st.none(),
    st.builds(
        lambda: [SimpleUploadedFile("evidence.pdf", factories.tiny_pdf(), "application/pdf")]
    ),
)


good_spreadsheets = st.one_of(
    st.none(),
    st.builds(
        lambda: [
            SimpleUploadedFile(
                "recommendations.csv", b"Reference,Text\nR9,The force should count.\n"
            )
        ]
    ),
)


def foreign_ids(w: World) -> list[str]:
    """Ids a form must not accept from force A's people: force B's objects, and force A's
    objects of the wrong kind or report."""
    objects = [
        w.force_b,
        w.report_b,
        w.rec_b,
        w.plan_b,
        w.action_b,
        w.review_b,
        w.investment_b,
        w.letter_b,
        w.people["police_lead_b"],
        w.people["opcc_staff_b"],
        w.report_a_unplanned,
        w.action_partner,
        w.update_partner,
    ]
    return [str(o.pk) for o in objects]


def bad_value(w: World, *, multi: bool, is_file: bool):
    if is_file:
        return bad_files
    one = st.one_of(junk, st.sampled_from(foreign_ids(w)))
    options = [st.none(), one]
    if multi:
        options.append(st.lists(one, max_size=4))
    return st.one_of(*options)


# --- The forms and the views that handle them ----------------------------------------------


@dataclass(frozen=True)
class Target:
    """A form: who posts it, to which views (with extra good values such as the edited
    row's version) and which values it accepts for each field (None: leave it out)."""

    persona: str
    views: Callable[[World], list[tuple[str, dict]]]
    fields: Callable[[World], dict]
    multi: frozenset = frozenset()
    files: frozenset = frozenset()
    after: Callable[[World], list[str]] = field(default=lambda w: [])


def pk(obj) -> str:
    return str(obj.pk)


def edit(name: str, obj, *args) -> tuple[str, dict]:
    return reverse(name, args=[*args, obj.pk]), {"version": [version_of(obj)]}


def create(name: str, *args) -> tuple[str, dict]:
    return reverse(name, args=list(args)), {}


def text(*values) -> list:
    return ["", *values]


def report_pages(w: World) -> list[str]:
    return [
        reverse("recommendations:report_detail", args=[w.report_a.pk]),
        reverse("recommendations:register"),
        reverse("recommendations:register_csv"),
        reverse("recommendations:dashboard"),
    ]


def plan_pages(w: World) -> list[str]:
    return [
        reverse("recommendations:plan_detail", args=[w.plan_a.pk]),
        reverse("recommendations:plan_export", args=[w.plan_a.pk]),
        reverse("recommendations:my_actions"),
        reverse("recommendations:register"),
    ]


def review_pages(w: World) -> list[str]:
    return [
        reverse("reviews:review_list"),
        reverse("reviews:investment_list"),
        reverse("recommendations:report_detail", args=[w.report_a.pk]),
        reverse("recommendations:recommendation_detail", args=[w.rec_secret.pk]),
    ]


def public_digest(w: World) -> str:
    from letters.public_snapshot import live_snapshot

    return live_snapshot(office=w.people[S].office, report=w.report_a).digest


DATES = ["2026-10-01", "2015-07-01"]

TARGETS: dict[str, Target] = {
    "ReportForm": Target(
        S,
        lambda w: [
            create("oversight:report_create"),
            edit("oversight:report_edit", w.report_a),
        ],
        lambda w: {
            "title": ["Child protection, revisited"],
            "force": [pk(w.force_a)],
            "source": ["hmicfrs", "hmic", "coroner", "iopc", "internal_audit"],
            "programme": ["child_protection", "peel", ""],
            "issued_by": text("HM Senior Coroner for Plymouth, Torbay and South Devon"),
            "published_on": ["2026-09-01", "2015-07-01"],
            "fieldwork_start": text("2015-05-01"),
            "fieldwork_end": text("2015-05-20"),
            "parent": text(pk(w.report_a_unplanned)),
            "status": ["logging", "monitoring"],
            "summary": text("A summary."),
            "source_url": text("https://www.justiceinspectorates.gov.uk/report.pdf"),
            "action_plan_received_on": text("2026-10-01"),
            "section_55_published_on": text("2026-10-20"),
            "coroner_response_sent_on": text("2026-10-21"),
            "formal_response_requested_on": text("2026-10-01"),
            "formal_response_due_on": text("2026-11-01"),
            "formal_response_received_on": text("2026-11-02"),
        },
        after=lambda w: [reverse("oversight:report_list"), *report_pages(w)],
    ),
    "ReportFileForm": Target(
        S,
        lambda w: [create("oversight:report_file_upload", w.report_a.pk)],
        lambda w: {"file": good_files},
        files=frozenset({"file"}),
        after=lambda w: [reverse("oversight:report_file", args=[w.report_a.pk]), *report_pages(w)],
    ),
    "FindingForm": Target(
        S,
        lambda w: [
            create("oversight:finding_create", w.report_a.pk),
            edit("oversight:finding_edit", w.finding_a),
        ],
        lambda w: {
            "kind": ["positive", "concern"],
            "text": ["Referrals are quick."],
            "priority_areas": [[], [pk(w.area_a)]],
        },
        multi=frozenset({"priority_areas"}),
        after=report_pages,
    ),
    "JudgementForm": Target(
        S,
        lambda w: [
            create("oversight:judgement_create", w.report_a.pk),
            edit("oversight:judgement_edit", w.judgement_a),
        ],
        lambda w: {"topic": ["Leadership"], "grade": ["good", "inadequate"]},
        after=report_pages,
    ),
    "PriorityAreaForm": Target(
        S,
        lambda w: [
            create("oversight:priority_area_create", w.report_a.pk),
            edit("oversight:priority_area_edit", w.area_a),
        ],
        lambda w: {
            "title": ["Children in custody"],
            "description": text("Children held overnight."),
            "opcc_lead": text(pk(w.people[S])),
            "position": text("7"),
        },
        after=report_pages,
    ),
    "CauseOfConcernForm": Target(
        S,
        lambda w: [
            create("oversight:cause_create", w.report_a.pk),
            edit("oversight:cause_edit", w.cause_a),
        ],
        lambda w: {
            "reference": ["C9"],
            "text": ["A serious shortcoming."],
            "status": ["open", "discharged"],
            "discharged_on": text("2026-10-10"),
            "priority_areas": [[], [pk(w.area_a)]],
        },
        multi=frozenset({"priority_areas"}),
        after=report_pages,
    ),
    "RecommendationForm": Target(
        S,
        lambda w: [
            create("recommendations:recommendation_create", w.report_a.pk),
            edit("recommendations:recommendation_edit", w.rec_secret),
        ],
        lambda w: {
            "reference": ["R9"],
            "kind": ["recommendation", "afi"],
            "text": ["The force should count every missing child."],
            "timescale": ["immediately", "3_months", "none"],
            "due_on": text("2027-01-31"),
            "cause_of_concern": text(pk(w.cause_a)),
            "priority_areas": [[], [pk(w.area_a)]],
            "force_acceptance": text("agreed"),
            "publisher_reference": text("PEEL 2026 R9", "peel  2026 r9"),
        },
        multi=frozenset({"priority_areas"}),
        after=report_pages,
    ),
    "NationalReportForm": Target(
        S,
        lambda w: [
            create("recommendations:national_report_create"),
            edit("recommendations:national_report_edit", w.national_report),
        ],
        lambda w: {
            "title": ["Stalking: a national thematic inspection"],
            "source": ["hmicfrs", "iopc", "coroner"],
            "programme": ["thematic", ""],
            "issued_by": text("HM Senior Coroner"),
            "published_on": ["2026-09-01"],
            "summary": text("Findings across forces."),
            "source_url": text("https://hmicfrs.justiceinspectorates.gov.uk/"),
        },
        after=lambda w: [reverse("recommendations:national_report_list")],
    ),
    "NationalRecommendationForm": Target(
        S,
        lambda w: [
            create("recommendations:national_recommendation_create", w.national_report.pk),
            edit("recommendations:national_recommendation_edit", w.national_rec),
        ],
        lambda w: {
            "reference": ["R9"],
            "publisher_reference": text("DA 2026 R9"),
            "kind": ["recommendation", "afi"],
            "text": ["Chief constables should review risk assessment."],
            "timescale": ["none", "3_months"],
            "addressed_forces": ["all", "named", "none"],
            "named_forces": [[], [pk(w.force_b)]],
            "national_bodies": [[], ["npcc"]],
            "other_addressees": text("Ministry of Justice"),
        },
        multi=frozenset({"named_forces", "national_bodies"}),
        after=lambda w: [
            reverse("recommendations:national_report_detail", args=[w.national_report.pk]),
            reverse("recommendations:register"),
        ],
    ),
    "ApplyForm": Target(
        S,
        lambda w: [create("recommendations:national_report_apply", w.national_report.pk)],
        lambda w: {"forces": [[pk(w.force_a)], [pk(w.force_b)]]},
        multi=frozenset({"forces"}),
        after=lambda w: [reverse("recommendations:register")],
    ),
    "TransitionForm": Target(
        S,
        lambda w: [create("recommendations:recommendation_transition", w.rec_secret.pk)],
        lambda w: {
            "to_status": ["in_progress", "no_action", "superseded"],
            "reason": text("Overtaken by the 2016 review."),
            "superseded_by": text(pk(w.rec_shared)),
        },
        after=report_pages,
    ),
    "InspectorateStatusForm": Target(
        S,
        lambda w: [create("recommendations:recommendation_inspectorate_status", w.rec_secret.pk)],
        lambda w: {
            "status": ["being_progressed", "complete", "no_further_action", "awaiting_review"],
            "changed_on": ["2026-10-01", "2026-09-01"],
            "comment": text("HMICFRS revisited in October."),
            "source_url": text("https://www.justiceinspectorates.gov.uk/hmicfrs/"),
        },
        after=lambda w: [
            reverse("recommendations:recommendation_detail", args=[w.rec_secret.pk]),
            *report_pages(w),
        ],
    ),
    "BulkUpdateForm": Target(
        S,
        lambda w: [
            (reverse("recommendations:register_bulk"), {"step": ["start", "preview", "confirm"]})
        ],
        lambda w: {
            "bulk-selected": [
                [selection_value(w.rec_secret)],
                [selection_value(r) for r in (w.rec_secret, w.rec_shared)],
            ],
            "bulk-on_page": text([selection_value(w.rec_shared)]),
            "bulk-all_on_page": text("on"),
            "bulk-change": ["status", "inspectorate_status", "action_owner", "priority_area"],
            "bulk-status": text("in_progress", "closed", "no_action"),
            "bulk-inspectorate_status": text("being_progressed", "complete"),
            "bulk-changed_on": text("2026-10-01"),
            "bulk-source_url": text("https://www.justiceinspectorates.gov.uk/hmicfrs/"),
            "bulk-owner": text(pk(w.people[PO])),
            "bulk-priority_area": text(pk(w.area_a)),
            "bulk-note": ["Agreed at the November board."],
            "bulk-return_query": text("status=any_open&sort=rag"),
        },
        multi=frozenset({"bulk-selected", "bulk-on_page"}),
        after=lambda w: [
            reverse("recommendations:recommendation_detail", args=[w.rec_secret.pk]),
            *report_pages(w),
        ],
    ),
    "SpreadsheetUploadForm": Target(
        S,
        lambda w: [
            (reverse("recommendations:recommendation_import", args=[w.report_a.pk]), {"step": s})
            for s in (["preview"], ["", "upload", "confirm"])
        ],
        lambda w: {"file": good_spreadsheets},
        files=frozenset({"file"}),
    ),
    "SpreadsheetConfirmForm": Target(
        S,
        lambda w: [
            (
                reverse("recommendations:recommendation_import", args=[w.report_a.pk]),
                {"step": ["confirm"]},
            )
        ],
        lambda w: {"sha256": ["0" * 64, "f" * 64], "fingerprint": ["0" * 64]},
        after=report_pages,
    ),
    "CarryForwardForm": Target(
        S,
        lambda w: [create("recommendations:recommendation_carry_forward", w.afi_a.pk)],
        lambda w: {
            "report": [pk(w.report_a_unplanned)],
            "reference": text("AFI4", "AFI1"),
        },
        after=lambda w: [
            reverse("recommendations:recommendation_detail", args=[w.afi_a.pk]),
            reverse("recommendations:report_detail", args=[w.report_a_unplanned.pk]),
            *report_pages(w),
        ],
    ),
    "ActionPlanCreateForm": Target(
        PO,
        lambda w: [create("recommendations:plan_create")],
        lambda w: {
            "report": [pk(w.report_a_unplanned)],
            "title": text("Custody plan"),
            "owner": text(pk(w.people[PO])),
            "governance_board": text("Safeguarding board"),
        },
        after=lambda w: [reverse("recommendations:plan_list"), *plan_pages(w)],
    ),
    "ActionPlanEditForm": Target(
        PO,
        lambda w: [edit("recommendations:plan_edit", w.plan_a)],
        lambda w: {
            "title": text("Plan A, revised"),
            "owner": text(pk(w.people[PO])),
            "governance_board": text("Safeguarding board"),
        },
        after=plan_pages,
    ),
    "PlanTransitionForm": Target(
        PO,
        lambda w: [create("recommendations:plan_transition", w.plan_a.pk)],
        lambda w: {"to_status": ["closed", "submitted", "draft"]},
        after=plan_pages,
    ),
    "ActionForm": Target(
        PO,
        lambda w: [
            create("recommendations:action_create", w.plan_a.pk),
            edit("recommendations:action_edit", w.action_police),
        ],
        lambda w: {
            "reference": ["A9"],
            "description": ["Recruit two investigators."],
            "recommendations": [[pk(w.rec_secret)], [pk(w.rec_secret), pk(w.rec_shared)]],
            "delivery_lead": text(pk(w.people[L]), pk(w.people["partner_lead"])),
            "partner_agency": text(pk(w.people["partner_lead"].partner_agency)),
            "owner": text(pk(w.people[PO])),
            "target_date": ["2027-03-31"],
            "success_measure": text("Every case reviewed."),
            "cadence": ["monthly", "quarterly", "custom"],
            "cadence_days": text("30"),
        },
        multi=frozenset({"recommendations"}),
        after=plan_pages,
    ),
    "ExtensionRequestForm": Target(
        L,
        lambda w: [create("recommendations:extension_request", w.action_police.pk)],
        lambda w: {
            "to_date": ["2027-06-30"],
            "reason": ["Two posts are vacant."],
        },
        after=lambda w: [reverse("recommendations:review_queue"), *plan_pages(w)],
    ),
    "ExtensionDecisionForm": Target(
        S,
        lambda w: [create("recommendations:extension_decide", w.extension_pending.pk)],
        lambda w: {"decision": ["agree", "refuse"], "comment": text("Recruit agency staff.")},
        after=lambda w: [
            reverse("recommendations:action_detail", args=[w.action_pending.pk]),
            reverse("recommendations:review_queue"),
            *plan_pages(w),
        ],
    ),
    "ActionStatusForm": Target(
        PO,
        lambda w: [create("recommendations:action_status", w.action_police.pk)],
        lambda w: {
            "status": ["paused", "not_needed", "in_progress"],
            "reason": text("Waiting for funding."),
        },
        after=plan_pages,
    ),
    "ProgressUpdateForm": Target(
        L,
        lambda w: [create("recommendations:update_create", w.action_police.pk)],
        lambda w: {
            "narrative": ["Two investigators started."],
            "rag": ["red", "amber", "green"],
            "percent_complete": ["0", "50", "100"],
            "files": good_files,
            "resubmission_of": text(pk(w.update_returned)),
        },
        files=frozenset({"files"}),
        after=plan_pages,
    ),
    "UpdateReviewForm": Target(
        S,
        lambda w: [create("recommendations:update_review", w.update_submitted.pk)],
        lambda w: {"decision": ["accept", "return"], "comment": text("Add the numbers.")},
        after=lambda w: [reverse("recommendations:review_queue"), *plan_pages(w)],
    ),
    "ProposeCompletionForm": Target(
        L,
        lambda w: [create("recommendations:action_propose_completion", w.action_police.pk)],
        lambda w: {"completion_evidence": ["An audit of 50 cases."], "files": good_files},
        files=frozenset({"files"}),
        after=plan_pages,
    ),
    "SignOffForm": Target(
        S,
        lambda w: [create("recommendations:action_sign_off", w.action_pending.pk)],
        lambda w: {"decision": ["sign_off", "return"], "reason": text("The audit is missing.")},
        after=plan_pages,
    ),
    "LetterCreateForm": Target(
        S,
        lambda w: [create("letters:letter_create", w.report_a.pk)],
        lambda w: {"kind": ["section_55", "formal_response", "response_request"]},
        after=lambda w: [reverse("letters:letter_list", args=[w.report_a.pk])],
    ),
    "LetterForm": Target(
        S,
        lambda w: [
            edit("letters:letter_detail", w.letter_draft),
            edit("letters:letter_detail", w.letter_request),
        ],
        lambda w: {
            "reference": text("FR/2026/1"),
            "language": ["en-gb", "cy", "bilingual"],
            "letter_date": ["2026-10-01"],
            "response_due_on": text("2026-11-01"),
            "addressee": text("Pat Commissioner\nOPCC A"),
            "salutation": text("Dear Commissioner"),
            "opening": text("Thank you for your letter."),
            "closing": text("Yours sincerely."),
            "signatory_name": text("Jo Bloggs"),
            "signatory_title": text("Chief Constable"),
        },
        after=lambda w: [
            reverse("letters:letter_preview", args=[w.letter_draft.pk]),
            reverse("letters:letter_preview", args=[w.letter_request.pk]),
            reverse("letters:letter_list", args=[w.report_a.pk]),
        ],
    ),
    "MeetingForm": Target(
        S,
        lambda w: [create("letters:meeting_create")],
        lambda w: {"committee": ["joint_audit", "panel", "other"], "meets_on": ["2027-03-18"]},
        after=lambda w: [reverse("letters:pack_list")],
    ),
    "PackForm": Target(
        S,
        lambda w: [create("letters:pack_create", w.meeting_a.pk)],
        lambda w: {
            "previous_meeting_on": ["2026-09-10"],
            "forces": [[pk(w.force_a)]],
            "sources": [["hmicfrs"], ["hmicfrs", "coroner"]],
            "priority_areas": [[pk(w.area_a)]],
        },
        multi=frozenset({"forces", "sources", "priority_areas"}),
        after=lambda w: [reverse("letters:pack_list")],
    ),
    # The public summaries of report A's recommendations, saved as drafts or published
    # (with the fingerprint of the data the page showed).
    "PublishForm": Target(
        S,
        lambda w: [create("letters:public_report", w.report_a.pk)],
        lambda w: {
            "action": ["save", "publish"],
            "digest": [public_digest(w)],
            **{
                f"summary_{rec.pk}": text("Work is under way and reported monthly.")
                for rec in w.report_a.recommendations.all()
            },
        },
        after=lambda w: [
            reverse("letters:public_site"),
            reverse("public:report", args=[w.people[S].office.slug, w.report_a.pk]),
            reverse("public:data_csv", args=[w.people[S].office.slug]),
        ],
    ),
    "ReviewForm": Target(
        S,
        lambda w: [create("reviews:review_create"), edit("reviews:review_edit", w.review_a)],
        lambda w: {
            "theme": ["Child protection"],
            "report": text(pk(w.report_a)),
            "priority_areas": [[], [pk(w.area_a)]],
            "held_on": DATES,
            "status": ["held", "planned"],
            "panel": text("Pat\nSam"),
            "evidence_summary": text("Data packs."),
            "findings": text("Improving."),
            "performance_assurance": text("assured"),
            "performance_rationale": text("Good data."),
            "plans_assurance": text("not_assured"),
            "plans_rationale": text("No funding."),
            "revisit_on": text("2027-01-01"),
            "lines-TOTAL_FORMS": ["1", "3"],
            "lines-INITIAL_FORMS": ["0"],
            "lines-MIN_NUM_FORMS": ["0"],
            "lines-MAX_NUM_FORMS": ["30"],
            "lines-0-question": text("How do you know?"),
            "lines-0-response": text("From the audit."),
            "_refresh": [None],
            "_add_line": [None],
        },
        multi=frozenset({"priority_areas"}),
        after=review_pages,
    ),
    "LineOfEnquiryForm": Target(
        S,
        lambda w: [
            create("reviews:line_add", w.review_a.pk),
            edit("reviews:line_edit", w.line_a, w.review_a.pk),
        ],
        lambda w: {"question": ["Who checks?"], "response": text("The board.")},
        after=lambda w: [reverse("reviews:review_detail", args=[w.review_a.pk])],
    ),
    "EvidenceForm": Target(
        S,
        lambda w: [create("reviews:evidence_upload", w.review_a.pk)],
        lambda w: {"title": text("Minutes"), "file": good_files},
        files=frozenset({"file"}),
        after=lambda w: [reverse("reviews:review_detail", args=[w.review_a.pk])],
    ),
    "FollowUpForm": Target(
        S,
        lambda w: [
            create("reviews:follow_up_create", w.review_a.pk),
            edit("reviews:follow_up_edit", w.follow_up_a),
        ],
        lambda w: {
            "description": ["Bring the data back."],
            "owner": [pk(w.people[L]), pk(w.people[S]), pk(w.people["partner_lead"])],
            "due_on": ["2026-12-20"],
            "recommendation": text(pk(w.rec_secret)),
            "status": ["open", "done", "cancelled"],
            "outcome": text("Done."),
        },
        after=lambda w: [
            reverse("reviews:review_detail", args=[w.review_a.pk]),
            *review_pages(w),
        ],
    ),
    "FollowUpUpdateForm": Target(
        L,
        lambda w: [edit("reviews:follow_up_update", w.follow_up_a)],
        lambda w: {"status": ["open", "in_progress", "done"], "outcome": text("Done.")},
        after=lambda w: [reverse("recommendations:my_actions")],
    ),
    "SampleForm": Target(
        S,
        lambda w: [create("reviews:sample_create", w.review_a.pk)],
        lambda w: {
            "action": [pk(w.action_closed_unsampled)],
            "verdict": ["effective", "not_effective"],
            "reason": text("Children still go missing."),
        },
        after=lambda w: [reverse("reviews:review_detail", args=[w.review_a.pk])],
    ),
    "InvestmentForm": Target(
        S,
        lambda w: [
            create("reviews:investment_create"),
            edit("reviews:investment_edit", w.investment_a),
        ],
        lambda w: {
            "title": ["Intelligence sharing"],
            "amount": ["48000", "0.01"],
            "awarded_on": DATES,
            "status": ["approved", "completed"],
            "purpose": ["Share intelligence."],
            "outcome": text("Shared."),
            "recommendations": [[], [pk(w.rec_secret)]],
        },
        multi=frozenset({"recommendations"}),
        after=review_pages,
    ),
    "ActionReassignForm": Target(
        PO,
        lambda w: [create("recommendations:action_reassign", w.action_police.pk)],
        lambda w: {
            "field": ["owner", "delivery_lead"],
            "person": [pk(w.people[PO]), pk(w.people[L])],
            "was": text(pk(w.people[PO]), pk(w.people[L])),
        },
        after=plan_pages,
    ),
    "PlanReassignForm": Target(
        PO,
        lambda w: [create("recommendations:plan_reassign", w.plan_a.pk)],
        lambda w: {"person": [pk(w.people[PO]), pk(w.people[L])], "was": text(pk(w.people[PO]))},
        after=plan_pages,
    ),
    "ActionsHandOverForm": Target(
        PO,
        lambda w: [create("recommendations:actions_hand_over", w.people[L].pk)],
        lambda w: {"person": [pk(w.people[PO])]},
        after=plan_pages,
    ),
    "FollowUpReassignForm": Target(
        S,
        lambda w: [create("reviews:follow_up_reassign", w.follow_up_a.pk)],
        lambda w: {"person": [pk(w.people[S]), pk(w.people[L])], "was": text(pk(w.people[L]))},
        after=review_pages,
    ),
    "FollowUpsHandOverForm": Target(
        S,
        lambda w: [create("reviews:follow_ups_hand_over", w.people[L].pk)],
        lambda w: {"person": [pk(w.people[S]), pk(w.people[L])]},
        after=review_pages,
    ),
    "ReminderPreferencesForm": Target(
        L,
        lambda w: [create("reminders:preferences")],
        lambda w: {"email_reminders": [None, "on"], "digest_frequency": ["daily", "weekly"]},
        after=lambda w: [reverse("reminders:notifications")],
    ),
    # --- Office administration and invitations (oversight/accounts) ---
    "InvitationForm": Target(
        S,
        lambda w: [create("accounts:invite")],
        lambda w: {
            "first_name": ["Nia", "Siân"],
            "last_name": ["Evans"],
            "email": ["nia.evans@force-a.example"],
            "job_title": text("DI, Public Protection"),
            "role": ["police_lead", "plan_owner"],
            "organisation": [f"force:{w.force_a.pk}"],
        },
        after=lambda w: [reverse("accounts:people")],
    ),
    "PersonForm": Target(
        S,
        lambda w: [create("accounts:person_edit", w.people[L].pk)],
        lambda w: {
            "first_name": ["Lee"],
            "last_name": ["Lead"],
            "email": [w.people[L].email],
            "job_title": text("Inspector"),
            "role": ["police_lead", "plan_owner"],
            "organisation": [f"force:{w.force_a.pk}"],
            "is_office_admin": [None],
        },
        after=lambda w: [reverse("accounts:person_detail", args=[w.people[L].pk])],
    ),
    "DeactivateForm": Target(
        S,
        lambda w: [create("accounts:person_deactivate", w.people[L].pk)],
        lambda w: {"reason": text("Moved to another force")},
        after=lambda w: [reverse("accounts:people")],
    ),
    "TwoFactorRuleForm": Target(
        S,
        lambda w: [create("accounts:two_factor_rule")],
        lambda w: {"require_two_factor": [None, "on"], "letter_language": ["cy", "bilingual"]},
        after=lambda w: [reverse("accounts:people")],
    ),
    "AcceptInvitationForm": Target(
        "anonymous",
        lambda w: [create("accounts:invitation_accept", w.invitation_token)],
        lambda w: {
            "username": ["ivy.invited", "ivy@force-a"],
            "password1": ["Tamar-bridge-lantern-47"],
            "password2": ["Tamar-bridge-lantern-47"],
        },
        after=lambda w: [reverse("accounts:people")],
    ),
}

FORMS_BY_MODULE = {
    "oversight/forms.py": [
        "ReportForm",
        "ReportFileForm",
        "FindingForm",
        "JudgementForm",
        "PriorityAreaForm",
        "CauseOfConcernForm",
    ],
    "recommendations/forms.py": [
        "RecommendationForm",
        "TransitionForm",
        "InspectorateStatusForm",
        "CarryForwardForm",
        "SpreadsheetUploadForm",
        "SpreadsheetConfirmForm",
    ],  # + paste below
    "recommendations/forms_bulk.py": ["BulkUpdateForm"],
    "recommendations/forms_actions.py": [
        "ActionPlanCreateForm",
        "ActionPlanEditForm",
        "PlanTransitionForm",
        "ActionForm",
        "ExtensionRequestForm",
        "ExtensionDecisionForm",
        "ActionStatusForm",
        "ProgressUpdateForm",
        "UpdateReviewForm",
        "ProposeCompletionForm",
        "SignOffForm",
    ],
    "recommendations/forms_national.py": [
        "NationalReportForm",
        "NationalRecommendationForm",
        "ApplyForm",
    ],
    "recommendations/forms_handover.py": [
        "ActionReassignForm",
        "PlanReassignForm",
        "ActionsHandOverForm",
    ],
    "letters/forms.py": ["LetterCreateForm", "LetterForm"],
    "letters/forms_packs.py": ["MeetingForm", "PackForm"],
    "letters/forms_public.py": ["PublishForm"],
    "reminders/forms.py": ["ReminderPreferencesForm"],
    "oversight/accounts/forms.py": [
        "InvitationForm",
        "PersonForm",
        "DeactivateForm",
        "TwoFactorRuleForm",
        "AcceptInvitationForm",
    ],
    "reviews/forms.py": [
        "ReviewForm",
        "LineOfEnquiryForm",
        "EvidenceForm",
        "FollowUpForm",
        "FollowUpUpdateForm",
        "SampleForm",
        "InvestmentForm",
    ],
    "reviews/forms_handover.py": ["FollowUpReassignForm", "FollowUpsHandOverForm"],
}
# Forms driven by other tests here, or not forms a person fills in.
COVERED_ELSEWHERE = {
    "ApiTokenForm",  # tests/accounts/test_api.py (page and service refusals)
    "PasteForm",  # the paste tests below
    "PasteConfirmForm",
    "LineForm",  # the rows of ReviewForm's lines formset
    "_ReportPartForm",  # the base of the finding, judgement, area and cause forms
    "BulkPanelForm",  # the base of BulkUpdateForm; on its own it is never posted
    "DateInput",  # widgets and fields, not forms
    "MultipleFileInput",
    "EvidenceFilesField",
    "RecommendationChoiceField",
    "RecommendationsField",
    "PersonChoiceField",
    "ActionChoiceField",
    "OrganisationChoiceField",
    # allauth's forms with the site's labels: tests/oversight/test_security.py, tests/accounts
    "SignInForm",
    "PasswordChangeForm",
    "PasswordSetForm",
    "PasswordResetRequestForm",
    "PasswordResetForm",
}


def test_every_form_class_is_driven():
    """A new form in one of the form modules needs an entry in TARGETS."""
    import importlib
    import inspect

    from django import forms

    missing = []
    for path, listed in FORMS_BY_MODULE.items():
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        defined = {
            name
            for name, value in vars(module).items()
            if inspect.isclass(value)
            and value.__module__ == module.__name__
            and issubclass(value, forms.BaseForm)
        }
        missing += [f"{path}: {name}" for name in defined - set(listed) - COVERED_ELSEWHERE]
        assert set(listed) <= set(TARGETS)
    assert not missing, f"Forms with no bad-input test (add them to TARGETS): {missing}"


class _Rollback(Exception):
    pass


def _value(data, strategy_or_values, label: str):
    if isinstance(strategy_or_values, list):
        return data.draw(st.sampled_from(strategy_or_values), label=label)
    return data.draw(strategy_or_values, label=label)


def _post_spoilt_form(data, world: World, client: Client, target: Target, baseline: dict):
    url, extra = data.draw(st.sampled_from(target.views(world)), label="view")
    good = {**target.fields(world), **extra}
    names = sorted(good)
    spoilt = data.draw(st.sets(st.sampled_from(names), max_size=len(names)), label="spoilt")
    payload = {}
    for name in names:
        if name in spoilt:
            strategy = bad_value(world, multi=name in target.multi, is_file=name in target.files)
            value = data.draw(strategy, label=name)
        else:
            value = _value(data, good[name], name)
        if value is not None:
            payload[name] = value
    files_before = stored_files()
    try:
        with transaction.atomic():
            response = client.post(url, payload)
            status = response.status_code
            event(f"status {status}")
            assert status < 500
            if status == 302:
                for page in [response["Location"], *target.after(world)]:
                    shown = client.get(page)
                    assert shown.status_code < 500, page
                    if shown.streaming:
                        b"".join(shown.streaming_content)
            else:
                assert status in {200, 400, 403, 404, 409}, status
                changed = changed_tables(baseline, database_fingerprint())
                assert not changed, f"refused with {status} but changed {changed}"
                assert stored_files() == files_before, "refused, but stored a file"
            raise _Rollback
    except _Rollback:
        pass


@pytest.mark.parametrize("form_name", sorted(TARGETS))
@EXAMPLES
@given(data=st.data())
def test_form_never_fails_and_saves_nothing_when_it_refuses(
    world, clients, baseline, form_name, data
):
    target = TARGETS[form_name]
    _post_spoilt_form(data, world, clients[target.persona], target, baseline)


# --- The paste import ------------------------------------------------------------------------

numbered_line = st.builds(
    lambda prefix, number, body: f"{prefix}{number}{body}",
    st.sampled_from(
        ["", "R", "Recommendation ", "AFI ", "(", "Rec. ", " ", "areas for improvement "]
    ),
    st.integers(min_value=0, max_value=1200),
    st.one_of(
        st.sampled_from([". ", ") ", ": ", " - ", "", ".", ")"]).flatmap(
            lambda sep: st.text(max_size=80).map(lambda rest: sep + rest)
        ),
        st.text(max_size=40),
    ),
)
pasted_text = st.one_of(
    st.text(max_size=2_000),
    st.lists(st.one_of(numbered_line, st.text(max_size=60)), max_size=40).map("\n".join),
    st.lists(numbered_line, min_size=MAX_ITEMS, max_size=MAX_ITEMS + 5).map("\n".join),
    long_texts,
)


@settings(max_examples=150, deadline=None)
@given(text=pasted_text, existing=st.sets(st.sampled_from(["R1", "R2", "AFI1", "R10"])))
def test_parse_recommendations_never_errors_on_any_text(text, existing):
    result = parse_recommendations(text, existing_references=existing)
    assert result.ok == (bool(result.items) and not result.errors)
    if result.ok:
        references = [item.reference.upper() for item in result.items]
        assert len(references) == len(set(references))
        assert not set(references) & existing
        assert len(result.items) <= MAX_ITEMS
        assert all(item.text for item in result.items)
        assert all(item.timescale in Recommendation.Timescale.values for item in result.items)


@pytest.fixture
def paste_url(world) -> str:
    return reverse("recommendations:recommendation_paste", args=[world.report_a.pk])


@EXAMPLES
@given(
    text=pasted_text,
    areas=st.lists(st.one_of(junk, st.sampled_from(["1", "2", "3"])), max_size=3),
    step=st.sampled_from(["preview", "edit", "paste", "", "confirm"]),
)
def test_paste_preview_never_fails_and_never_saves(clients, baseline, paste_url, text, areas, step):
    try:
        with transaction.atomic():
            response = clients[S].post(
                paste_url, {"step": step, "text": text, "priority_areas": areas}
            )
            assert response.status_code in {200, 400}
            assert not changed_tables(baseline, database_fingerprint())
            raise _Rollback
    except _Rollback:
        pass


VALID_PASTE = [  # report A already has RSECRET1 and R2
    "5. The force should count missing children immediately.",
    "6. The force should train its staff within three months.",
    "7. The force should audit its cases within six months.",
    "AFI 1 The force should improve its records.",
    "8. The force should publish its plan.",
]


@EXAMPLES
@given(data=st.data(), count=st.integers(min_value=1, max_value=len(VALID_PASTE)))
def test_paste_confirm_saves_all_or_none_whatever_the_payload(
    world, clients, baseline, paste_url, data, count
):
    """Confirming: the text as previewed (or changed since), with each row's reference,
    timescale and areas spoilt or not. Either every pasted recommendation is saved, or none."""
    text = "\n".join(VALID_PASTE[:count])
    text = data.draw(st.one_of(st.just(text), pasted_text), label="text")
    parsed = parse_recommendations(text)
    good, bad_references = {}, ["RSECRET1", "r2", "R5", "AFI1", "x" * 21, "", "R5 ", "Ｒ５"]
    for index in range(max(len(parsed.items), count) + 1):  # one row more than read
        good[f"reference_{index}"] = st.just(f"N{index}")
        good[f"timescale_{index}"] = st.sampled_from(Recommendation.Timescale.values)
        good[f"areas_{index}"] = st.sampled_from([[], [pk(world.area_a)]])
    spoilt = data.draw(st.sets(st.sampled_from(sorted(good)), max_size=3), label="spoilt")
    payload = {"step": "confirm", "text": text}
    for name, strategy in good.items():
        if name in spoilt:
            strategy = st.one_of(
                st.none(),
                st.sampled_from(bad_references),
                bad_value(world, multi=name.startswith("areas"), is_file=False),
            )
        payload[name] = data.draw(strategy, label=name)
    payload = {name: value for name, value in payload.items() if value is not None}
    before = Recommendation.objects.filter(report=world.report_a).count()
    try:
        with transaction.atomic():
            response = clients[S].post(paste_url, payload)
            saved = Recommendation.objects.filter(report=world.report_a).count() - before
            event(f"status {response.status_code}")
            if response.status_code == 302:
                assert parsed.ok and saved == len(parsed.items)
                shown = clients[S].get(response["Location"])
                assert shown.status_code == 200
            else:
                assert response.status_code == 400
                assert saved == 0
                assert not changed_tables(baseline, database_fingerprint())
            raise _Rollback
    except _Rollback:
        pass


def test_paste_confirm_with_a_reference_the_report_has_saves_none(world, clients, paste_url):
    """Tampered: the preview read R5 and R6; the confirmation renames the second to a
    reference the report already has (in other letter case)."""
    before = Recommendation.objects.count()
    response = clients[S].post(
        paste_url,
        {
            "step": "confirm",
            "text": "\n".join(VALID_PASTE[:2]),
            "reference_0": "N1",
            "timescale_0": "immediately",
            "reference_1": "rsecret1",
            "timescale_1": "3_months",
        },
    )
    assert response.status_code == 400
    assert "already has a recommendation" in response.text
    assert Recommendation.objects.count() == before


def test_paste_confirm_with_rows_missing_saves_none(world, clients, paste_url):
    """Tampered: three pasted, the confirmation carries the fields of only two."""
    before = Recommendation.objects.count()
    response = clients[S].post(
        paste_url,
        {
            "step": "confirm",
            "text": "\n".join(VALID_PASTE[:3]),
            "reference_0": "N1",
            "timescale_0": "immediately",
            "reference_1": "N2",
            "timescale_1": "3_months",
        },
    )
    assert response.status_code == 400
    assert Recommendation.objects.count() == before


# Every date a person types, by form (and the view whose form has them all).
TYPED_DATES = {
    "ReportForm": (
        0,
        [
            "published_on",
            "fieldwork_start",
            "fieldwork_end",
            "action_plan_received_on",
            "section_55_published_on",
            "coroner_response_sent_on",
            "formal_response_requested_on",
            "formal_response_due_on",
            "formal_response_received_on",
        ],
    ),
    "InspectorateStatusForm": (0, ["changed_on"]),
    "NationalReportForm": (0, ["published_on"]),
    "BulkUpdateForm": (0, ["bulk-changed_on"]),
    "CauseOfConcernForm": (0, ["discharged_on"]),
    "RecommendationForm": (0, ["due_on"]),
    "ActionForm": (0, ["target_date"]),  # set at creation only
    "ExtensionRequestForm": (0, ["to_date"]),
    "ReviewForm": (0, ["held_on", "revisit_on"]),
    "FollowUpForm": (0, ["due_on"]),
    "InvestmentForm": (0, ["awarded_on"]),
    "LetterForm": (1, ["letter_date", "response_due_on"]),  # the request for a response
    "MeetingForm": (0, ["meets_on"]),
    "PackForm": (0, ["previous_meeting_on"]),
}


def _looks_like_a_date(values) -> bool:
    return isinstance(values, list) and any(
        isinstance(value, str) and len(value) == 10 and value[4] == "-" for value in values
    )


def test_every_date_field_driven_above_has_its_range_checked(world):
    """A date field added to a form (and to its entry in TARGETS) needs an entry here."""
    found = {}
    for name, target in TARGETS.items():
        dates = [
            field for field, values in target.fields(world).items() if _looks_like_a_date(values)
        ]
        if dates:
            found[name] = sorted(dates)
    assert found == {name: sorted(fields) for name, (_, fields) in TYPED_DATES.items()}


@pytest.mark.parametrize("form_name", sorted(TYPED_DATES))
def test_a_date_out_of_range_is_refused_next_to_it_with_the_range(
    world, clients, baseline, form_name
):
    """The report published on 1 January 0001 (and its action plan, due in year 1,
    escalated at once), and every other date typed a thousand years out."""
    target = TARGETS[form_name]
    view, fields = TYPED_DATES[form_name]
    url, extra = target.views(world)[view]
    good = {
        name: values[0] if isinstance(values, list) else None
        for name, values in target.fields(world).items()
    }
    for date_field in fields:
        for bad in ["0001-01-01", "1999-12-31", "2100-01-01"]:
            payload = {**good, **extra, date_field: bad}
            payload = {name: value for name, value in payload.items() if value is not None}
            try:
                with transaction.atomic():
                    response = clients[target.persona].post(url, payload)
                    assert response.status_code == 400, (date_field, bad)
                    # A prefixed form ("bulk-changed_on") keys its errors by the field's name.
                    message = response.context["form"].errors[date_field.split("-")[-1]][0]
                    assert message.startswith("Enter a date from 1 January 2000 to"), message
                    assert message.endswith(": check the year."), message
                    assert not changed_tables(baseline, database_fingerprint())
                    raise _Rollback
            except _Rollback:
                pass


def test_report_published_at_the_end_of_the_calendar_is_refused(world, clients):
    """Found by the tests above: a report dated 31/12/9999 was saved, then its page, the
    report list and the dashboard failed adding the 56-day deadline to it."""
    before = database_fingerprint()
    response = clients[S].post(
        reverse("oversight:report_create"),
        {
            "title": "Typo in the year",
            "force": world.force_a.pk,
            "source": "hmicfrs",
            "programme": "peel",
            "published_on": "9999-12-31",
            "status": "logging",
        },
    )
    assert response.status_code == 400
    assert "check the year" in response.text
    assert not changed_tables(before, database_fingerprint())
