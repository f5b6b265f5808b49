"""The permission matrix: every URL of the project × every persona × GET and POST.

The URL patterns come from the resolver, so a new URL without an entry in EXPECTATIONS
fails `test_every_url_pattern_has_an_expectation` with the URL's name. Each entry says
who may GET and who may POST; everything else is derived:

- anonymous: redirected to the login page (or 405 for a method the view never takes);
- a signed-in persona who may not: 403 if they can see the object ("sees"), else 404;
- a method the view does not take: 405.

Every request runs in a savepoint that is rolled back, so the world is the same for each.
A request that is refused, and every GET, must leave every domain table (history and
many-to-many tables included) and the private file storage exactly as they were.
Persons outside force A (police lead B, office B's staff) and the partner lead are also
checked for force A's marker strings in every response they get (tests/hardening_world.py).
"""

import datetime
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from recommendations.services_bulk import selection_value
from reminders.models import Reminder
from reviews.models import ReviewEvidence
from tests.hardening_world import (
    ANONYMOUS,
    FORBIDDEN,
    PARTNER_ACTION,
    PERSONAS,
    World,
    build_world,
    changed_tables,
    database_fingerprint,
    note_for,
    publish_public_site,
    rows_written,
    signed_in_clients,
    stored_files,
)

pytestmark = pytest.mark.long

S, R, PO, L = "opcc_staff", "read_only", "plan_owner_a", "police_lead_a"
LB, P, SB = "police_lead_b", "partner_lead", "opcc_staff_b"
EVERYONE = frozenset(PERSONAS)
REPORT_A_READERS = frozenset({S, R, PO, L, P})  # the partner lead sees report A: it owns an action
FORCE_A_READERS = frozenset({S, R, PO, L})  # police-only actions, letters, reviews of force A
REVIEW_READERS = EVERYONE - {P}  # partner leads see no reviews or investments at all
NATIONAL_READERS = EVERYONE - {P}  # applied to forces A and B
API_REQUESTS = [(who, method) for who in ("signed in", "anonymous") for method in ("GET", "POST")]


@dataclass(frozen=True)
class Expect:
    """Who may GET and who may POST (None: the view does not take the method), who can
    see the object (refused with 403; everyone else 404), and the POST body to send."""

    args: Callable[[World], tuple] = lambda w: ()
    get: frozenset | None = None
    post: frozenset | None = None
    sees: frozenset = EVERYONE
    public: bool = False
    data: Callable[[World], dict] = lambda w: {}
    # Third-party views (django-allauth) that treat every signed-in person alike: the
    # outcomes allowed for ("signed in" | "anonymous", method).
    same_for_all: dict | None = None


def page(args=lambda w: (), *, who, sees=None) -> Expect:
    """A page to read: GET only."""
    return Expect(args=args, get=frozenset(who), sees=frozenset(sees or who))


def form(args=lambda w: (), *, who, sees, readers=None) -> Expect:
    """A form: GET shows it, POST saves it."""
    return Expect(
        args=args, get=frozenset(readers or who), post=frozenset(who), sees=frozenset(sees)
    )


def act(args=lambda w: (), *, who, sees, data=lambda w: {}) -> Expect:
    """A button: POST only."""
    return Expect(args=args, post=frozenset(who), sees=frozenset(sees), data=data)


def allauth_view(args=lambda w: (), **outcomes) -> Expect:
    """django-allauth's own pages: everybody signed in meets the same; `get`/`post` are the
    outcomes for a signed-in person, `anon_get`/`anon_post` for anonymous; None: 405."""
    table = {}
    for who, prefix in (("signed in", ""), ("anonymous", "anon_")):
        for method in ("GET", "POST"):
            wanted = outcomes.get(prefix + method.lower())
            table[(who, method)] = {"405"} if wanted is None else set(wanted)
    return Expect(args=args, same_for_all=table)


SIGNED_IN_ONLY = {
    "get": {"ok"},
    "post": {"ok", "input"},
    "anon_get": {"login"},
    "anon_post": {"login"},
}
OPEN_TO_ALL = {
    "get": {"ok"},
    "post": {"ok", "input"},
    "anon_get": {"ok"},
    "anon_post": {"ok", "input"},
}
ADMINS = {S, SB}  # each administers their own office (personas fixture)
NOT_B_ADMIN = EVERYONE - {SB}  # office B's administrator finds office A's people missing


def person_a(w):
    return (w.people[L].pk,)


def report_a(w):
    return (w.report_a.pk,)


def national(w):
    return (w.national_report.pk,)


def review_a(w):
    return (w.review_a.pk,)


def police_action(w):
    return (w.action_police.pk,)


def draft_letter(w):
    return (w.letter_draft.pk,)


def draft_request(w):
    """The OPCC's own draft (a request for a formal response): the force does not see it."""
    return (w.letter_request.pk,)


EXPECTATIONS: dict[str, Expect] = {
    # --- Project root ---
    "home": page(who=EVERYONE),
    "healthz": Expect(get=frozenset(), public=True),
    "favicon": Expect(get=frozenset(), public=True),
    "login": Expect(get=frozenset(), post=frozenset(), public=True),
    # Opening it in the browser asks to confirm; the button posts to it.
    "logout": Expect(get=frozenset(), post=frozenset(), public=True),
    # The language switch: anyone may choose (a POST only; it goes back to the page).
    "switch_language": Expect(post=frozenset(), public=True),
    # --- Reports and what the OPCC logs against them ---
    "oversight:report_list": page(who=EVERYONE),
    "oversight:report_create": form(who={S, SB}, sees=EVERYONE),
    "oversight:report_edit": form(report_a, who={S}, sees=REPORT_A_READERS),
    "oversight:finding_create": form(report_a, who={S}, sees=REPORT_A_READERS),
    "oversight:finding_edit": form(lambda w: (w.finding_a.pk,), who={S}, sees=REPORT_A_READERS),
    "oversight:judgement_create": form(report_a, who={S}, sees=REPORT_A_READERS),
    "oversight:judgement_edit": form(lambda w: (w.judgement_a.pk,), who={S}, sees=REPORT_A_READERS),
    "oversight:priority_area_create": form(report_a, who={S}, sees=REPORT_A_READERS),
    "oversight:priority_area_edit": form(lambda w: (w.area_a.pk,), who={S}, sees=REPORT_A_READERS),
    "oversight:cause_create": form(report_a, who={S}, sees=REPORT_A_READERS),
    "oversight:cause_edit": form(lambda w: (w.cause_a.pk,), who={S}, sees=REPORT_A_READERS),
    # The report's own PDF: attached from the edit page, read by whoever sees the report.
    "oversight:report_file_upload": act(report_a, who={S}, sees=REPORT_A_READERS),
    "oversight:report_file": page(report_a, who=REPORT_A_READERS),
    # --- Dashboard, register, report and recommendation pages ---
    "recommendations:dashboard": page(who={S, R, SB}, sees=EVERYONE),
    "recommendations:register": page(who=EVERYONE),
    "recommendations:register_csv": page(who=EVERYONE),
    "recommendations:register_area_options": page(who=EVERYONE),
    "recommendations:recommendation_detail": page(
        lambda w: (w.rec_secret.pk,), who=FORCE_A_READERS
    ),
    "recommendations:recommendation_edit": form(
        lambda w: (w.rec_secret.pk,), who={S}, sees=FORCE_A_READERS
    ),
    # An empty move is no move: those who may move it are sent back to the page.
    "recommendations:recommendation_transition": act(
        lambda w: (w.rec_secret.pk,), who={S, PO}, sees=FORCE_A_READERS
    ),
    # Only OPCC staff log the inspectorate's verdict or carry an AFI forward; the force and
    # readers see the page, so they are refused with 403.
    "recommendations:recommendation_inspectorate_status": act(
        lambda w: (w.rec_secret.pk,), who={S}, sees=FORCE_A_READERS
    ),
    "recommendations:recommendation_carry_forward": act(
        lambda w: (w.afi_a.pk,), who={S}, sees=FORCE_A_READERS
    ),
    # Changing several at once from the register: OPCC staff only (403 for everyone else);
    # office B's staff cannot see the recommendation selected (404).
    "recommendations:register_bulk": act(
        who={S},
        sees=EVERYONE - {SB},
        data=lambda w: {
            "bulk-selected": [selection_value(w.rec_secret)],
            "bulk-change": "status",
            "bulk-status": "in_progress",
            "bulk-note": "Work has started.",
            "step": "preview",
        },
    ),
    # The bulk update's fields, fetched into the register's panel: any office's staff.
    "recommendations:register_bulk_fields": page(who={S, SB}, sees=EVERYONE),
    "recommendations:report_detail": page(report_a, who=REPORT_A_READERS),
    "recommendations:recommendation_create": form(report_a, who={S}, sees=REPORT_A_READERS),
    "recommendations:recommendation_paste": form(report_a, who={S}, sees=REPORT_A_READERS),
    # The spreadsheet template and its import: OPCC staff who may change the report only.
    "recommendations:recommendation_template": page(
        lambda w: (w.report_a.pk, "xlsx"), who={S}, sees=REPORT_A_READERS
    ),
    "recommendations:recommendation_import": form(report_a, who={S}, sees=REPORT_A_READERS),
    # --- National reports: OPCC readers see every one; force users those their force
    # answers; the office that entered it (A) keeps its text; each office applies it to the
    # forces it oversees. The partner lead has no national reports.
    "recommendations:national_report_list": page(who=NATIONAL_READERS, sees=EVERYONE),
    "recommendations:national_report_create": form(who={S, SB}, sees=EVERYONE),
    "recommendations:national_report_detail": page(national, who=NATIONAL_READERS),
    "recommendations:national_report_edit": form(national, who={S}, sees=NATIONAL_READERS),
    "recommendations:national_report_apply": act(national, who={S, SB}, sees=NATIONAL_READERS),
    "recommendations:national_recommendation_create": form(
        national, who={S}, sees=NATIONAL_READERS
    ),
    "recommendations:national_template": page(
        lambda w: (w.national_report.pk, "xlsx"), who={S}, sees=NATIONAL_READERS
    ),
    "recommendations:national_import": form(national, who={S}, sees=NATIONAL_READERS),
    "recommendations:national_recommendation_detail": page(
        lambda w: (w.national_rec.pk,), who=NATIONAL_READERS
    ),
    "recommendations:national_recommendation_edit": form(
        lambda w: (w.national_rec.pk,), who={S}, sees=NATIONAL_READERS
    ),
    # --- Action plans, actions, updates, closure ---
    "recommendations:my_actions": page(who=EVERYONE),
    "recommendations:review_queue": page(who=EVERYONE),
    "recommendations:plan_list": page(who=EVERYONE),
    "recommendations:plan_create": form(who={PO}, sees=EVERYONE),
    "recommendations:plan_detail": page(lambda w: (w.plan_a.pk,), who=REPORT_A_READERS),
    "recommendations:plan_edit": form(lambda w: (w.plan_a.pk,), who={PO}, sees=REPORT_A_READERS),
    "recommendations:plan_transition": act(
        lambda w: (w.plan_a.pk,),
        who={S, PO},
        sees=REPORT_A_READERS,
        data=lambda w: {"to_status": "closed"},
    ),
    "recommendations:plan_export": page(lambda w: (w.plan_a.pk,), who=REPORT_A_READERS),
    "recommendations:action_create": form(
        lambda w: (w.plan_a.pk,), who={PO}, sees=REPORT_A_READERS
    ),
    "recommendations:action_detail": page(police_action, who=FORCE_A_READERS),
    "recommendations:action_edit": form(police_action, who={PO}, sees=FORCE_A_READERS),
    # Moving a target date: the delivery lead or the plan owner asks; OPCC staff agree or
    # refuse (lead A's request on A4); whoever asked, or the plan owner, withdraws it.
    "recommendations:extension_request": form(police_action, who={L, PO}, sees=FORCE_A_READERS),
    "recommendations:extension_decide": act(
        lambda w: (w.extension_pending.pk,), who={S}, sees=FORCE_A_READERS
    ),
    "recommendations:extension_withdraw": act(
        lambda w: (w.extension_pending.pk,), who={L, PO}, sees=FORCE_A_READERS
    ),
    "recommendations:action_status": act(police_action, who={PO}, sees=FORCE_A_READERS),
    "recommendations:update_create": form(police_action, who={L, PO}, sees=FORCE_A_READERS),
    "recommendations:update_review": form(
        lambda w: (w.update_submitted.pk,), who={S}, sees=FORCE_A_READERS
    ),
    "recommendations:action_propose_completion": form(
        police_action, who={L, PO}, sees=FORCE_A_READERS
    ),
    "recommendations:action_sign_off": form(police_action, who={S}, sees=FORCE_A_READERS),
    "recommendations:evidence_download": page(
        lambda w: (w.evidence_police.pk,), who=FORCE_A_READERS
    ),
    # Handing a leaver's work over: the force's plan owner, or an office administrator
    # looking after the person holding it: OPCC staff A administer office A). Lead A's
    # actions: those who see one of them see lead A.
    "recommendations:action_reassign": act(police_action, who={PO, S}, sees=FORCE_A_READERS),
    "recommendations:plan_reassign": act(
        lambda w: (w.plan_a.pk,), who={PO, S}, sees=REPORT_A_READERS
    ),
    "recommendations:actions_hand_over": act(
        lambda w: (w.people[L].pk,), who={PO, S}, sees=FORCE_A_READERS
    ),
    # --- Notifications ---
    "reminders:notifications": page(who=EVERYONE),
    "reminders:notification_read": act(lambda w: (w.reminders[L].pk,), who={L}, sees={L}),
    "reminders:notifications_read_all": act(who=EVERYONE, sees=EVERYONE),
    "reminders:preferences": form(who=EVERYONE, sees=EVERYONE),
    # Each person's own calendar link page; the feed needs no sign-in (a calendar fetches
    # it), its unguessable token is the key: police lead B's here.
    "reminders:calendar_link": form(who=EVERYONE, sees=EVERYONE),
    # The API takes personal access tokens only (tests/accounts/test_api.py drives it with
    # a token per persona): a session, or nobody, is refused with 401 whatever the method.
    **{
        name: Expect(args=args, same_for_all={key: {"401"} for key in API_REQUESTS})
        for name, args in {
            "api:report_list": lambda w: (),
            "api:report_detail": lambda w: (w.report_a.pk,),
            "api:report_import": lambda w: (w.report_a.pk,),
            "api:national_report_import": national,
            "api:recommendation_list": lambda w: (),
            "api:recommendation_detail": lambda w: (w.rec_secret.pk,),
            "api:action_list": lambda w: (),
            "api:action_detail": police_action,
            "api:action_update_post": police_action,
            "api:update_list": lambda w: (),
            "api:update_detail": lambda w: (w.update_submitted.pk,),
            "api_reviews:review_list": lambda w: (),
            "api_reviews:review_detail": review_a,
        }.items()
    },
    # Its schema and browsable documentation are public; they hold no data.
    "api_schema": Expect(get=frozenset(), public=True),
    "api_schema_json": Expect(get=frozenset(), public=True),
    "api_docs": Expect(get=frozenset(), public=True),
    # Each person's own API tokens.
    "accounts:api_tokens": form(who=EVERYONE, sees=EVERYONE),
    "accounts:api_token_revoke": act(lambda w: (w.api_token_a.pk,), who={L}, sees={L}),
    # The search box: everyone signed in, each finding only what they may read.
    "search:results": page(who=EVERYONE),
    "reminders:calendar_feed": Expect(
        args=lambda w: (w.calendar_token,), get=frozenset(), public=True
    ),
    # --- Letters ---
    "letters:letter_list": page(report_a, who=FORCE_A_READERS),
    "letters:letter_create": form(report_a, who={S, PO}, sees=FORCE_A_READERS),
    "letters:letter_detail": form(
        draft_letter, who={S, PO}, readers=FORCE_A_READERS, sees=FORCE_A_READERS
    ),
    # A draft is seen only by the organisation writing it: the formal response (above) by
    # the OPCC and the force, the OPCC's own request (preview, status) by the OPCC alone.
    "letters:letter_preview": page(draft_request, who={S, R}),
    "letters:letter_render": act(draft_letter, who={S, PO}, sees=FORCE_A_READERS),
    "letters:letter_status": page(draft_request, who={S, R}),
    "letters:letter_download": page(lambda w: (w.letter_issued.pk,), who=FORCE_A_READERS),
    "letters:letter_issue": act(draft_letter, who={S}, sees=FORCE_A_READERS),
    "letters:letter_compare": page(
        lambda w: (w.letter_issued.pk, w.letter_draft.pk), who=FORCE_A_READERS
    ),
    # Committee packs: the office's own, read by its OPCC staff and read-only users, made
    # by its staff; another office finds them missing, the force and partners refused.
    "letters:pack_list": page(who={S, R, SB}, sees=EVERYONE),
    "letters:meeting_create": form(who={S, SB}, sees=EVERYONE),
    "letters:pack_create": form(lambda w: (w.meeting_a.pk,), who={S}, sees=EVERYONE - {SB}),
    "letters:pack_detail": page(lambda w: (w.pack_a.pk,), who={S, R}, sees=EVERYONE - {SB}),
    "letters:pack_status": page(lambda w: (w.pack_a.pk,), who={S, R}, sees=EVERYONE - {SB}),
    "letters:pack_pdf": page(lambda w: (w.pack_a.pk,), who={S, R}, sees=EVERYONE - {SB}),
    "letters:pack_xlsx": page(lambda w: (w.pack_a.pk,), who={S, R}, sees=EVERYONE - {SB}),
    "letters:pack_render": act(lambda w: (w.pack_a.pk,), who={S}, sees=EVERYONE - {SB}),
    "letters:pack_issue": act(lambda w: (w.pack_a.pk,), who={S}, sees=EVERYONE - {SB}),
    # The office's public site as its staff see it: read by the office's staff and
    # read-only users, published to by its staff; a report or letter another office
    # oversees is missing (404), one the person sees but may not publish is refused (403).
    "letters:public_site": page(who={S, R, SB}, sees=EVERYONE),
    "letters:public_report": form(report_a, who={S}, sees=REPORT_A_READERS),
    "letters:public_report_withdraw": act(report_a, who={S}, sees=REPORT_A_READERS),
    "letters:public_letter_publish": act(
        lambda w: (w.letter_issued.pk,), who={S}, sees=FORCE_A_READERS
    ),
    "letters:public_letter_withdraw": act(
        lambda w: (w.letter_issued.pk,), who={S}, sees=FORCE_A_READERS
    ),
    # The public site itself: the same for everybody, GET only. Office B's, which has
    # published report B and its letter (world fixture).
    **{
        name: Expect(args=args, get=frozenset(), public=True)
        for name, args in {
            "public:index": lambda w: (),
            "public:sitemap": lambda w: (),
            "public:schema": lambda w: (),
            "public:office": lambda w: (w.public_slug,),
            "public:feed": lambda w: (w.public_slug,),
            "public:report": lambda w: (w.public_slug, w.report_b.pk),
            "public:letter_pdf": lambda w: (w.public_slug, w.letter_b.pk),
            "public:data": lambda w: (w.public_slug,),
            "public:data_csv": lambda w: (w.public_slug,),
            "public:data_json": lambda w: (w.public_slug,),
        }.items()
    },
    # --- Deep dives, follow-ups, samples, investments ---
    "reviews:review_list": page(who=REVIEW_READERS),
    "reviews:review_create": form(who={S, SB}, sees=REVIEW_READERS),
    "reviews:review_detail": page(review_a, who=FORCE_A_READERS),
    "reviews:review_edit": form(review_a, who={S}, sees=FORCE_A_READERS),
    "reviews:line_add": form(review_a, who={S}, sees=FORCE_A_READERS),
    "reviews:line_edit": form(
        lambda w: (w.review_a.pk, w.line_a.pk), who={S}, sees=FORCE_A_READERS
    ),
    "reviews:evidence_upload": form(review_a, who={S}, sees=FORCE_A_READERS),
    "reviews:evidence_download": page(lambda w: (w.review_evidence_a.pk,), who=FORCE_A_READERS),
    "reviews:follow_up_create": form(review_a, who={S}, sees=FORCE_A_READERS),
    "reviews:follow_up_edit": form(lambda w: (w.follow_up_a.pk,), who={S}, sees=FORCE_A_READERS),
    # The owner (police lead A) reports on it; OPCC staff of the reviewing office may too.
    "reviews:follow_up_update": form(
        lambda w: (w.follow_up_a.pk,), who={S, L}, sees=FORCE_A_READERS
    ),
    # Handing a leaver's follow-ups over: OPCC staff of the reviewing office.
    "reviews:follow_up_reassign": act(lambda w: (w.follow_up_a.pk,), who={S}, sees=FORCE_A_READERS),
    "reviews:follow_ups_hand_over": act(lambda w: (w.people[L].pk,), who={S}, sees=FORCE_A_READERS),
    "reviews:sample_create": form(review_a, who={S}, sees=FORCE_A_READERS),
    "reviews:investment_list": page(who=REVIEW_READERS),
    "reviews:investment_create": form(who={S, SB}, sees=REVIEW_READERS),
    "reviews:investment_detail": page(lambda w: (w.investment_a.pk,), who=FORCE_A_READERS),
    "reviews:investment_edit": form(lambda w: (w.investment_a.pk,), who={S}, sees=FORCE_A_READERS),
    # --- Office administration (oversight/accounts) ---
    "accounts:people": page(who=ADMINS, sees=EVERYONE),
    "accounts:invite": form(who=ADMINS, sees=EVERYONE),
    "accounts:activity": page(who=ADMINS, sees=EVERYONE),
    "accounts:two_factor_rule": form(who=ADMINS, sees=EVERYONE),
    "accounts:invitation_withdraw": act(lambda w: (w.invitation.pk,), who={S}, sees=NOT_B_ADMIN),
    "accounts:person_detail": page(person_a, who={S}, sees=NOT_B_ADMIN),
    "accounts:person_edit": form(person_a, who={S}, sees=NOT_B_ADMIN),
    "accounts:person_deactivate": act(person_a, who={S}, sees=NOT_B_ADMIN),
    "accounts:person_reactivate": act(person_a, who={S}, sees=NOT_B_ADMIN),
    "accounts:person_reset_two_factor": act(person_a, who={S}, sees=NOT_B_ADMIN),
    "accounts:email": page(who=EVERYONE),
    "accounts:two_factor_needed": page(who=EVERYONE),
    # Anyone may open an invitation link; signed in, they are asked to sign out first (409).
    "accounts:invitation_accept": allauth_view(
        lambda w: (w.invitation_token,),
        get={"input"},
        post={"input"},
        anon_get={"ok"},
        anon_post={"input"},
    ),
    # --- django-allauth: passwords, two-factor sign-in, single sign-on ---
    "account_login": Expect(get=frozenset(), post=frozenset(), public=True),
    "account_logout": Expect(get=frozenset(), post=frozenset(), public=True),
    "account_inactive": Expect(get=frozenset(), public=True),
    "account_signup": allauth_view(**OPEN_TO_ALL),
    "account_email": page(who=EVERYONE),
    "account_change_password": allauth_view(**SIGNED_IN_ONLY),
    "account_set_password": allauth_view(**SIGNED_IN_ONLY),
    "account_reset_password": allauth_view(**OPEN_TO_ALL),
    "account_reset_password_done": allauth_view(get={"ok"}, anon_get={"ok"}),
    "account_reset_password_from_key": allauth_view(lambda w: ("1", "not-a-key"), **OPEN_TO_ALL),
    "account_reset_password_from_key_done": allauth_view(get={"ok"}, anon_get={"ok"}),
    "account_reauthenticate": allauth_view(**SIGNED_IN_ONLY),
    "account_request_reauthentication_code": allauth_view(**SIGNED_IN_ONLY),
    "account_confirm_reauthentication_code": allauth_view(**SIGNED_IN_ONLY),
    # Sign-in by code is off: with no sign-in under way, the sign-in page.
    "account_confirm_login_code": allauth_view(
        get={"ok"}, post={"ok", "input"}, anon_get={"login"}, anon_post={"login"}
    ),
    "account_email_verification_sent": allauth_view(get={"ok"}, anon_get={"ok"}),
    "account_confirm_email": allauth_view(
        lambda w: ("not-a-key",), get={"ok"}, post={"404"}, anon_get={"ok"}, anon_post={"404"}
    ),
    "mfa_index": allauth_view(get={"ok"}, anon_get={"login"}, anon_post={"login"}),
    # The code step of a sign-in under way; with none under way, the sign-in page.
    "mfa_authenticate": allauth_view(
        get={"ok"}, post={"ok", "input"}, anon_get={"login"}, anon_post={"login"}
    ),
    "mfa_reauthenticate": allauth_view(**SIGNED_IN_ONLY),
    "mfa_activate_totp": allauth_view(**SIGNED_IN_ONLY),
    # Nobody in the world has two-factor sign-in on: nothing to turn off or list (404).
    "mfa_deactivate_totp": allauth_view(
        get={"404"}, post={"404"}, anon_get={"login"}, anon_post={"login"}
    ),
    "mfa_view_recovery_codes": allauth_view(get={"404"}, anon_get={"login"}, anon_post={"login"}),
    "mfa_generate_recovery_codes": allauth_view(**SIGNED_IN_ONLY),
    "mfa_download_recovery_codes": allauth_view(
        get={"404"}, post={"404"}, anon_get={"login"}, anon_post={"login"}
    ),
    "socialaccount_connections": allauth_view(**SIGNED_IN_ONLY),
    "socialaccount_login_cancelled": allauth_view(get={"ok"}, anon_get={"ok"}),
    "socialaccount_login_error": allauth_view(get={"401"}, anon_get={"401"}),
    # With no single sign-on under way there is nothing to finish: the sign-in page.
    "socialaccount_signup": allauth_view(
        get={"login"}, post={"login"}, anon_get={"login"}, anon_post={"login"}
    ),
    "accounts/social/connections/": allauth_view(**OPEN_TO_ALL),
    "accounts/social/login/cancelled/": allauth_view(**OPEN_TO_ALL),
    "accounts/social/login/error/": allauth_view(**OPEN_TO_ALL),
    "accounts/social/signup/": allauth_view(**OPEN_TO_ALL),
    # Single sign-on is off unless OIDC_CLIENT_ID is set: no provider, no sign-in (404).
    "openid_connect_login": allauth_view(
        lambda w: ("sso",), get={"404"}, post={"404"}, anon_get={"404"}, anon_post={"404"}
    ),
    "openid_connect_callback": allauth_view(
        lambda w: ("sso",), get={"404"}, post={"404"}, anon_get={"404"}, anon_post={"404"}
    ),
}


# --- Enumerating the URL patterns -------------------------------------------------------


def url_pattern_names(patterns=None, namespace: str = "", route: str = "") -> dict[str, str]:
    """Every URL pattern's qualified name (or its route, when unnamed) → its route, from
    the resolver, recursing into includes. Django's admin is left out (its own matrix:
    is_staff, checked in test_admin_sends_every_persona_to_the_admin_login)."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    found = {}
    for pattern in patterns:
        here = route + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found.update(url_pattern_names(pattern.url_patterns, inner, here))
        elif isinstance(pattern, URLPattern):
            found[f"{namespace}{pattern.name}" if pattern.name else here] = here
    return found


def test_every_url_pattern_has_an_expectation():
    patterns = url_pattern_names()
    missing = sorted(
        f"{name} ({route})" for name, route in patterns.items() if name not in EXPECTATIONS
    )
    assert not missing, (
        "These URLs have no entry in EXPECTATIONS (tests/test_permission_matrix.py); say who "
        f"may GET and POST each: {missing}"
    )
    stale = sorted(set(EXPECTATIONS) - set(patterns))
    assert not stale, f"EXPECTATIONS names URLs that no longer exist: {stale}"


# --- Running the matrix ------------------------------------------------------------------


@pytest.fixture
def personas(
    opcc_staff, read_only, plan_owner_a, police_lead_a, police_lead_b, partner_lead, opcc_staff_b
):
    return {
        S: opcc_staff,
        R: read_only,
        PO: plan_owner_a,
        L: police_lead_a,
        LB: police_lead_b,
        P: partner_lead,
        SB: opcc_staff_b,
    }


@pytest.fixture
def world(personas) -> World:
    from oversight.accounts.services import invitation_create

    # Each office's staff member administers their office (its people pages).
    for admin in (personas[S], personas[SB]):
        admin.is_office_admin = True
        admin.save(update_fields=["is_office_admin"])
    world = build_world(personas)
    # Police lead A's API token, which only they may revoke.
    from oversight.accounts.api_tokens import api_token_create

    world.api_token_a, _ = api_token_create(
        user=personas[L],
        name="Tool",
        scope="read",
        expires_on=datetime.date.today() + datetime.timedelta(days=30),
    )
    # Police lead B's private calendar link: its token is the key, whoever holds it.
    from reminders.services import calendar_feed_create

    _, world.calendar_token = calendar_feed_create(user=personas[LB])
    # Office A's draft committee pack, rendered so its files can be asked for.
    from letters.pack_jobs import pack_render

    pack_render(pack_id=world.pack_a.pk, user_id=personas[S].pk)
    # Office B's public site: report B and its formal response (issued), published.
    publish_public_site(world, personas[SB])
    world.invitation, world.invitation_token = invitation_create(
        admin=personas[S],
        email="invited@force-a.example",
        first_name="Ivy",
        last_name="Invited",
        role="police_lead",
        organisation=world.force_a,
    )
    return world


@pytest.fixture
def clients(personas) -> dict[str, Client]:
    return signed_in_clients(personas)


def expected_outcomes(expect: Expect, persona: str, method: str) -> set[str]:
    if expect.same_for_all is not None:
        return expect.same_for_all[("anonymous" if persona == ANONYMOUS else "signed in", method)]
    allowed = expect.get if method == "GET" else expect.post
    if allowed is None:
        # Some views check the method before the sign-in, some after: either refuses.
        return {"405", "login"} if persona == ANONYMOUS else {"405"}
    if expect.public:
        # Signing out lands on the sign-in page.
        return {"ok", "input", "login"} if method == "POST" else {"ok"}
    if persona == ANONYMOUS:
        return {"login"}
    if persona in allowed:
        # An empty POST from someone allowed reaches the form: saved, or refused with 400.
        return {"ok", "input"} if method == "POST" else {"ok"}
    return {"403"} if persona in expect.sees else {"404"}


LOGIN_PATHS = ("/accounts/login/", "/admin/login/")


def outcome_of(response) -> str:
    code = response.status_code
    if 300 <= code < 400:
        return "login" if response["Location"].startswith(LOGIN_PATHS) else "ok"
    if 200 <= code < 300:
        return "ok"
    if code in (400, 409):
        return "input"
    return str(code)


def body_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content.startswith(b"%PDF"):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "file.pdf"
            path.write_bytes(content)
            return subprocess.run(
                ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
            ).stdout
    return content.decode("utf-8", errors="replace")


def leaks_in(text: str, persona: str) -> list[str]:
    """Markers in `text` the persona may not read: force A's (per FORBIDDEN) and anybody
    else's notifications."""
    markers = [*FORBIDDEN.get(persona, []), *(note_for(p) for p in PERSONAS if p != persona)]
    return [marker for marker in markers if marker in text]


class _Rollback(Exception):
    """Carries a response out of the savepoint it rolls back."""

    def __init__(self, response, text, fingerprint, files):
        self.response, self.text, self.fingerprint, self.files = response, text, fingerprint, files


def _request(client: Client, method: str, path: str, data: dict):
    """One request in a rolled-back savepoint: (response, body text, fingerprint, files).
    The fingerprint is None where the request wrote no row at all."""
    written = rows_written()
    try:
        with transaction.atomic():
            response = client.get(path) if method == "GET" else client.post(path, data)
            text = body_text(response)
            fingerprint = database_fingerprint() if rows_written() != written else None
            raise _Rollback(response, text, fingerprint, stored_files())
    except _Rollback as result:
        return result.response, result.text, result.fingerprint, result.files


def _stay_signed_in(client: Client, user) -> bool:
    """Signing out (a POST to logout) ends the client's session: sign in again (which
    records the sign-in time on the user). Returns whether it signed in again."""
    if client.session.get("_auth_user_id") == str(user.pk):
        return False
    client.force_login(user)
    return True


def run_matrix(world, clients, personas) -> tuple[int, list[str]]:
    fingerprint, files = database_fingerprint(), stored_files()
    checked, problems = 0, []
    for name, expect in EXPECTATIONS.items():
        # Unnamed patterns (allauth's old addresses) are listed by their route.
        path = "/" + name if "/" in name else reverse(name, args=expect.args(world))
        for persona in [*PERSONAS, ANONYMOUS]:
            for method in ("GET", "POST"):
                wanted = expected_outcomes(expect, persona, method)
                where = f"{method} {path} ({name}) as {persona}"
                checked += 1
                try:
                    response, text, after, files_after = _request(
                        clients[persona], method, path, expect.data(world)
                    )
                except Exception as error:  # a server error: record it, carry on
                    problems.append(f"{where}: server error {type(error).__name__}: {error}")
                    continue
                finally:
                    if persona != ANONYMOUS and _stay_signed_in(
                        clients[persona], personas[persona]
                    ):
                        fingerprint = database_fingerprint()
                got = outcome_of(response)
                if got not in wanted:
                    problems.append(
                        f"{where}: got {response.status_code} ({got}), expected {sorted(wanted)}"
                    )
                # A GET never writes; a refused POST writes nothing. (What an allowed
                # person's POST saves is the business of the workflow tests.)
                must_not_write = method == "GET" or "ok" not in wanted
                changed = changed_tables(fingerprint, after) if after is not None else []
                if must_not_write and (changed or files_after != files):
                    problems.append(
                        f"{where}: changed {changed} files {sorted(files_after ^ files)}"
                    )
                # Files an allowed request stored stay when its savepoint is rolled back.
                files = files_after
                leaked = leaks_in(text, persona)
                if leaked:
                    problems.append(f"{where}: response shows {leaked}")
    return checked, problems


def test_permission_matrix_every_url_every_persona_get_and_post(world, clients, personas):
    checked, problems = run_matrix(world, clients, personas)
    assert checked == len(EXPECTATIONS) * (len(PERSONAS) + 1) * 2
    assert not problems, f"{len(problems)} of {checked} checks failed:\n" + "\n".join(problems)


def test_admin_sends_every_persona_to_the_admin_login(clients):
    for persona, client in clients.items():
        response = client.get("/admin/")
        assert response.status_code == 302, persona
        assert response["Location"].startswith("/admin/login/"), persona


def test_a_request_that_writes_is_counted_even_when_its_savepoint_is_rolled_back(world, clients):
    """The matrix takes fingerprints only where PostgreSQL counted a row written: a page
    read counts nothing; a written row counts, though its savepoint is rolled back."""
    before = rows_written()
    response, _, fingerprint, _ = _request(
        clients[S], "GET", reverse("recommendations:dashboard"), {}
    )
    assert response.status_code == 200
    assert fingerprint is None and rows_written() == before
    response, _, fingerprint, _ = _request(
        clients[L], "POST", reverse("reminders:notifications_read_all"), {}
    )
    assert response.status_code == 302
    assert rows_written() > before and fingerprint is not None
    assert Reminder.objects.get(pk=world.reminders[L].pk).read_at is None


def test_world_has_what_the_matrix_needs(world):
    """The matrix proves little if its objects are not what it assumes."""
    assert world.letter_issued.status == "issued" and world.letter_issued.checksum
    assert world.letter_draft.status == "draft"
    assert world.update_submitted.review_state == "submitted"
    assert world.update_returned.review_state == "returned"
    assert world.action_police.partner_agency_id is None
    assert world.action_partner.partner_agency_id is not None
    assert world.extension_pending.is_pending
    assert world.extension_pending.requested_by == world.people[L]
    assert ReviewEvidence.objects.filter(pk=world.review_evidence_a.pk).exists()
    assert Reminder.objects.count() == len(PERSONAS)


# --- Aggregates: counts, lists, exports, letters, notifications, search ------------------


def _get(client: Client, path: str):
    response = client.get(path, follow=True)
    assert response.status_code == 200, f"{path}: {response.status_code}"
    return response


def _aggregate_paths(world: World, persona: str) -> list[str]:
    """Every page that lists, counts, exports or searches, with filters pointing at force
    A's objects (which must be ignored, not honoured), and the persona's own objects."""
    r = reverse
    lead_a, area, report = world.people[L].pk, world.area_a.pk, world.report_a.pk
    paths = [
        r("home"),
        r("oversight:report_list"),
        r("oversight:report_list") + "?q=force+A",
        r("oversight:report_list") + f"?force={world.force_a.pk}",
        r("recommendations:my_actions"),
        r("recommendations:review_queue"),
        r("recommendations:plan_list"),
        r("reminders:notifications"),
        r("reminders:notifications") + "?show=unread",
        # Words every force A marker holds, searched for by everyone.
        r("search:results") + "?q=force+or+children+or+missing+or+referrals+or+tracking+or+review",
        r("reminders:preferences"),
    ]
    for query in [
        "",
        # Searches that would find the markers; the search box echoes the words typed,
        # so the words are part of a marker, never a whole one.
        "?q=SECRET-A",
        "?q=rsecret1",
        "?q=POLICE-ONLY",
        f"?force={world.force_a.pk}",
        f"?report={report}",
        f"?priority_area={area}",
        f"?owner={lead_a}",
        "?status=any_open&overdue=true&sort=-due",
        # The register rebuilt from the change history, as at today.
        f"?as_at={timezone.localdate().isoformat()}",
        f"?as_at={timezone.localdate().isoformat()}&q=SECRET-A",
        f"?as_at={timezone.localdate().isoformat()}&owner={lead_a}&force={world.force_a.pk}",
    ]:
        paths += [r("recommendations:register") + query, r("recommendations:register_csv") + query]
        if query.startswith("?q="):
            paths.append(r("search:results") + query)
    if persona == P:
        paths += [
            r("recommendations:report_detail", args=[report]),
            r("recommendations:plan_detail", args=[world.plan_a.pk]),
            r("recommendations:plan_export", args=[world.plan_a.pk]),
            r("recommendations:recommendation_detail", args=[world.rec_shared.pk]),
            r("recommendations:action_detail", args=[world.action_partner.pk]),
            r("recommendations:evidence_download", args=[world.evidence_partner.pk]),
            r("reviews:follow_up_update", args=[world.partner_follow_up_a.pk]),
        ]
    else:
        paths += [
            r("recommendations:dashboard"),
            r("reviews:review_list"),
            r("reviews:investment_list"),
            r("recommendations:report_detail", args=[world.report_b.pk]),
            r("recommendations:plan_detail", args=[world.plan_b.pk]),
            r("recommendations:plan_export", args=[world.plan_b.pk]),
            r("recommendations:recommendation_detail", args=[world.rec_b.pk]),
            r("recommendations:action_detail", args=[world.action_b.pk]),
            r("letters:letter_list", args=[world.report_b.pk]),
            r("letters:letter_detail", args=[world.letter_b.pk]),
            r("letters:letter_preview", args=[world.letter_b.pk]),
            r("reviews:review_detail", args=[world.review_b.pk]),
            r("reviews:investment_detail", args=[world.investment_b.pk]),
            # Every force's response side by side: only the persona's own forces.
            r("recommendations:national_report_list"),
            r("recommendations:national_report_detail", args=[world.national_report.pk]),
            r("recommendations:national_recommendation_detail", args=[world.national_rec.pk]),
        ]
    if persona == LB:
        paths.remove(r("recommendations:dashboard"))  # OPCC only
    return paths


@pytest.mark.parametrize("persona", [LB, P, SB])
def test_aggregates_show_nothing_the_persona_may_not_read(world, clients, persona):
    client = clients[persona]
    for path in _aggregate_paths(world, persona):
        response = _get(client, path)
        leaked = leaks_in(body_text(response), persona)
        assert not leaked, f"{path} shows {persona} {leaked}"


def _count(client: Client, path: str, key: str):
    return _get(client, path).context[key]


def _csv_rows(client: Client, path: str) -> int:
    """Data rows of a CSV export (the header left out)."""
    return len(body_text(_get(client, path)).strip().splitlines()) - 1


def test_counts_are_scoped_to_what_each_persona_may_read(world, clients):
    register, register_csv = (
        reverse("recommendations:register"),
        reverse("recommendations:register_csv"),
    )
    # Register and its CSV: A's three (two recommendations, an area for improvement) and
    # its response to the national report for office A, A's shared one for the partner,
    # B's one and B's response to the national report.
    for persona, visible in [(S, 4), (R, 4), (L, 4), (P, 1), (LB, 2), (SB, 2)]:
        assert _count(clients[persona], register, "page_obj").paginator.count == visible, persona
        assert _csv_rows(clients[persona], register_csv) == visible, persona
    # The dashboard's totals: office B counts force B only.
    dashboard = reverse("recommendations:dashboard")
    totals = _count(clients[S], dashboard, "data").totals
    assert (totals["all"], totals["updates_awaiting_review"]) == (4, 2)
    totals_b = _count(clients[SB], dashboard, "data").totals
    assert (totals_b["all"], totals_b["updates_awaiting_review"]) == (2, 0)
    # Plan A as the partner lead: its own action only, on the page and in the export.
    plan_a = reverse("recommendations:plan_detail", args=[world.plan_a.pk])
    assert _count(clients[P], plan_a, "summary").total == 1
    assert _count(clients[PO], plan_a, "summary").total == 5
    plan_csv = reverse("recommendations:plan_export", args=[world.plan_a.pk])
    assert _csv_rows(clients[P], plan_csv) == 1
    assert _csv_rows(clients[PO], plan_csv) == 5
    # Report A as the partner lead: only the recommendation its action serves.
    report_a = reverse("recommendations:report_detail", args=[world.report_a.pk])
    page = _count(clients[P], report_a, "page")
    assert [r.pk for r in page.recommendations] == [world.rec_shared.pk]
    assert all(r.pk == world.rec_shared.pk for area in page.areas for r in area.recommendations)
    # Investments and reviews: force B's only for police lead B.
    investments = _count(clients[LB], reverse("reviews:investment_list"), "totals")
    assert investments["count"] == 1
    assert investments["total"] == Decimal(world.investment_b.amount)
    assert _count(clients[LB], reverse("reviews:review_list"), "page_obj").paginator.count == 1
    # The unread notification count in the navigation bar: each person's own.
    for persona in PERSONAS:
        assert _count(clients[persona], reverse("home"), "unread_notifications") == 1, persona


def test_letter_pdf_of_force_b_shows_nothing_of_force_a(world):
    from letters.rendering import letter_render_pdf
    from letters.snapshot import letter_snapshot_for

    for persona in (SB, LB):
        snapshot = letter_snapshot_for(world.letter_b, world.people[persona])
        text = body_text_of_pdf(letter_render_pdf(snapshot, is_draft=True))
        assert "Force B should improve its custody records" in " ".join(text.split())
        assert not leaks_in(text, persona), persona


def body_text_of_pdf(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "letter.pdf"
        path.write_bytes(pdf)
        return subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout


@pytest.mark.parametrize(
    "today", [datetime.date(2026, 12, 15), datetime.date(2027, 1, 20)], ids=["due", "escalated"]
)
def test_reminder_sweep_tells_nobody_what_they_may_not_read(world, clients, mailoutbox, today):
    from reminders.services import reminders_sweep

    reminders_sweep(today=today)
    assert Reminder.objects.count() > len(PERSONAS), "the sweep recorded nothing"
    for persona in PERSONAS:
        user = world.people[persona]
        titles = " ".join(Reminder.objects.filter(recipient=user).values_list("title", flat=True))
        page = body_text(_get(clients[persona], reverse("reminders:notifications")))
        mails = " ".join(m.body for m in mailoutbox if user.email in m.to)
        for where, text in [("notifications", titles + page), ("digest", mails)]:
            leaked = [m for m in FORBIDDEN.get(persona, []) if m in text]
            assert not leaked, f"{persona}'s {where} show {leaked}"
    partner_titles = Reminder.objects.filter(recipient=world.people[P]).values_list(
        "title", flat=True
    )
    assert any(PARTNER_ACTION in title for title in partner_titles)
