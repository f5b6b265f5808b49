"""Reminders: from the state of the database to one digest per person.

A sweep (`reminders_sweep`) works from state, never from timers:

1. Every registered *provider* returns the items whose date falls on or before the horizon
   (today + REMINDER_DAYS_BEFORE) and who answers for each: the people to remind and the
   people to escalate to. Providers read in bulk, so a sweep runs the same number of
   queries for ten actions as for a hundred thousand (plus a few per person mailed).
2. Each item's stage is computed as of `today`: due soon (within REMINDER_DAYS_BEFORE
   days), due today, overdue, escalated (overdue by more than REMINDER_ESCALATE_AFTER_DAYS).
3. One ledger row (`Reminder`) per (thing, due date, stage, recipient) is inserted with
   ON CONFLICT DO NOTHING: the unique constraint, not the code, makes a second row, and so
   a second send, impossible, even when two sweeps run at once.
4. Per recipient, the unsent rows are locked (SELECT ... FOR UPDATE SKIP LOCKED), ONE
   digest is mailed, and only then are the rows marked sent. A mail failure marks nothing
   sent; it records `send_attempts` and `last_error`, and the Celery task retries.

Catch-up: only the stage that applies today is created. A day the scheduler missed is made
up by the next run, which finds the stage the item has reached: an item that went from
"due soon" straight to "overdue" while nobody ran the sweep gets the overdue reminder, not
stale "due soon" and "due today" ones. When an item is already past escalation, its owner
still gets the overdue reminder (if they never had it) alongside the escalation, so nobody
hears from their manager about something they were never told was late.

Only reminders that are still current are mailed: an unsent row whose item has moved on
(closed, paused, a new due date, a later stage) is left in the in-app list but not mailed.

"Not e-mailed" rows: a row that will never be mailed is marked by a `last_error` starting
with NOT_MAILED (the reason follows: e-mail switched off in the person's preferences, no
e-mail address, no longer current). `sent_at` stays empty, so the ledger never claims a
mail that did not go; `mail_pending()` is the one definition of "still to be mailed".
Weekly-digest rows stay pending until Monday's run.
"""

import datetime
import logging
import smtplib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from oversight.models import (
    ACTION_PLAN_DUE_WEEKS,
    SECTION_55_RESPONSE_DAYS,
    InspectionReport,
    PriorityArea,
    User,
)
from recommendations.models import Action, ActionPlan, Reminder
from recommendations.selectors import actions_visible_to, reminders_for

logger = logging.getLogger(__name__)

Stage = Reminder.Stage

NOT_MAILED = "Not e-mailed: "
REASON_MAIL_OFF = NOT_MAILED + "e-mail reminders are switched off in this person's preferences."
REASON_NO_ADDRESS = NOT_MAILED + "this person has no e-mail address."
REASON_NOT_CURRENT = NOT_MAILED + "no longer current when the digest went out."

# Most urgent first, in digests and in the notification list.
STAGE_ORDER = [Stage.ESCALATED, Stage.OVERDUE, Stage.DUE_TODAY, Stage.DUE_SOON]
MONDAY = 0


# --- Providers -------------------------------------------------------------------------


@dataclass(frozen=True)
class DueItem:
    """A dated thing someone must act on, as a provider reports it."""

    subject_type_id: int
    subject_id: int
    what: str
    due_on: datetime.date
    title: str
    url: str
    recipients: frozenset[int]
    escalate_to: frozenset[int] = frozenset()


Provider = Callable[..., Iterable[DueItem]]

_providers: dict[str, Provider] = {}
_labels: dict[str, str] = {}


def register_provider(name: str, provider: Provider, *, labels: dict[str, str]) -> None:
    """Add a source of due items. `provider(today=..., horizon=...)` returns every item
    whose date is on or before `horizon` and must read in bulk (a fixed number of
    queries). `labels` names each kind of date it reports (its `what`)."""
    _providers[name] = provider
    _labels.update(labels)


def what_label(what: str) -> str:
    return _labels.get(what, what.replace("_", " ").capitalize())


def content_type_id(model) -> int:
    """Cached by Django after the first lookup."""
    return ContentType.objects.get_for_model(model).pk


_SAMPLE_PK = 987654321


def subject_paths(viewname: str) -> Callable[[int], str]:
    """pk -> the item's page, for a view taking one pk; "" while the page does not exist
    (the digest then links to the notification list). Reverses once: a sweep builds the
    paths of every due item, and reverse() costs more than the rest of the work."""
    try:
        sample = reverse(viewname, args=[_SAMPLE_PK])
    except NoReverseMatch:
        return lambda pk: ""
    if sample.count(str(_SAMPLE_PK)) != 1:
        return lambda pk: reverse(viewname, args=[pk])
    before, after = sample.split(str(_SAMPLE_PK))
    return lambda pk: f"{before}{pk}{after}"


@dataclass(frozen=True)
class Person:
    """Who answers for an item, with their manager (for escalations)."""

    pk: int
    manager_id: int | None = None


def people_by(rows: Iterable[tuple]) -> dict[int, set[Person]]:
    """(key, user id, manager id) rows, as read by providers, grouped by key."""
    grouped: dict[int, set[Person]] = defaultdict(set)
    for key, user_id, manager_id in rows:
        if user_id is not None:
            grouped[key].add(Person(user_id, manager_id))
    return grouped


def ids(people: Iterable[Person]) -> frozenset[int]:
    return frozenset(person.pk for person in people)


def managers(people: Iterable[Person]) -> frozenset[int]:
    return frozenset(person.manager_id for person in people if person.manager_id)


def person_name(first: str, last: str, username: str) -> str:
    return f"{first} {last}".strip() or username


def short(text: str, length: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 3].rstrip() + "..."


# --- Providers for actions and reports -------------------------------------------------


def opcc_staff_by_force(forces: QuerySet) -> dict[int, set[Person]]:
    """OPCC staff of the offices overseeing each force: who hears about statutory dates
    and escalations when no priority area names an OPCC lead. One query."""
    return people_by(
        User.objects.filter(
            role=User.Role.OPCC_STAFF, is_active=True, office__forces__in=forces
        ).values_list("office__forces", "pk", "manager_id")
    )


def action_due_items(*, today: datetime.date, horizon: datetime.date) -> list[DueItem]:
    """Progress updates due and target dates (revised, else original) of live actions.

    The delivery lead is reminded (the plan owner while nobody leads the action);
    escalations go to the lead's manager (else the plan owner) and the OPCC leads of the
    action's priority areas (else the OPCC staff overseeing the force). Three queries.
    """
    action_type = content_type_id(Action)
    live = (
        Action.objects.filter(status__in=Action.LIVE_STATUSES)
        .annotate(current_target=Coalesce("revised_target_date", "target_date"))
        .filter(Q(next_update_due__lte=horizon) | Q(current_target__lte=horizon))
    )
    area_leads = people_by(
        Action.recommendations.through.objects.filter(action__in=live.values("pk"))
        .values_list(
            "action_id",
            "recommendation__priority_areas__opcc_lead_id",
            "recommendation__priority_areas__opcc_lead__manager_id",
        )
        .distinct()
    )
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
    ):
        if lead_id:
            recipients = frozenset({lead_id})
            manager = lead_manager_id or plan_owner_id
            lead = person_name(lead_first, lead_last, lead_username)
        else:
            recipients = frozenset({plan_owner_id} - {None})
            manager = plan_owner_manager_id
            lead = "no delivery lead yet"
        opcc = ids(area_leads.get(pk) or office_staff.get(force_id, ()))
        escalate_to = opcc | frozenset({manager} - {None})
        title = f"{reference}: {short(description)} ({force_name}; {lead})"
        url = action_path(pk)
        dates = (("update_due", next_update_due), ("target_date", current_target))
        for what, due_on in dates:
            if due_on is not None and due_on <= horizon:
                items.append(
                    DueItem(action_type, pk, what, due_on, title, url, recipients, escalate_to)
                )
    return items


def report_due_items(*, today: datetime.date, horizon: datetime.date) -> list[DueItem]:
    """The dates on a report that is not closed: the action plan (publication + 6 weeks,
    until received), the PCC's section 55 response (publication + 56 days, until
    published) and the chief constable's formal response (the date set, until received).

    The plan owner (else the force's plan owners) is reminded of the action plan and the
    formal response, which they sign; the OPCC leads of the report's priority areas (else
    the OPCC staff overseeing the force) of the section 55 response and the formal
    response, which they chase. Escalations go to their managers, and for the action plan
    also to the OPCC. Five queries.
    """
    report_type = content_type_id(InspectionReport)
    plan_cutoff = horizon - datetime.timedelta(weeks=ACTION_PLAN_DUE_WEEKS)
    section_55_cutoff = horizon - datetime.timedelta(days=SECTION_55_RESPONSE_DAYS)
    reports = InspectionReport.objects.exclude(status=InspectionReport.Status.CLOSED).filter(
        Q(action_plan_received_on__isnull=True, published_on__lte=plan_cutoff)
        | Q(section_55_published_on__isnull=True, published_on__lte=section_55_cutoff)
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
        published_on,
        plan_received_on,
        section_55_published_on,
        formal_response_due_on,
        formal_response_received_on,
    ) in reports.values_list(
        "pk",
        "title",
        "force_id",
        "force__name",
        "published_on",
        "action_plan_received_on",
        "section_55_published_on",
        "formal_response_due_on",
        "formal_response_received_on",
    ):
        force = plan_owners.get(pk) or force_plan_owners.get(force_id, set())
        opcc = area_leads.get(pk) or office_staff.get(force_id, set())
        dates = []
        if plan_received_on is None:
            due_on = published_on + datetime.timedelta(weeks=ACTION_PLAN_DUE_WEEKS)
            dates.append(("action_plan_due", due_on, ids(force), managers(force) | ids(opcc)))
        if section_55_published_on is None:
            due_on = published_on + datetime.timedelta(days=SECTION_55_RESPONSE_DAYS)
            dates.append(("section_55_due", due_on, ids(opcc), managers(opcc)))
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


register_provider(
    "actions",
    action_due_items,
    labels={"update_due": "Progress update due", "target_date": "Action target date"},
)
register_provider(
    "reports",
    report_due_items,
    labels={
        "action_plan_due": "Action plan due",
        "section_55_due": "Section 55 response due",
        "formal_response_due": "Chief constable's formal response due",
    },
)


# --- Stages and the plan for a day -----------------------------------------------------


def reminder_stage(
    *, due_on: datetime.date, today: datetime.date, days_before: int, escalate_after: int
) -> str | None:
    """The stage an item with this due date is at on `today`, or None (not yet due soon)."""
    days_left = (due_on - today).days
    if days_left > days_before:
        return None
    if days_left > 0:
        return Stage.DUE_SOON
    if days_left == 0:
        return Stage.DUE_TODAY
    if -days_left > escalate_after:
        return Stage.ESCALATED
    return Stage.OVERDUE


LedgerKey = tuple[int, int, str, datetime.date, str, int]


@dataclass(frozen=True)
class PlannedReminder:
    """A reminder that applies today; reads like a ledger row (what, due_on, stage,
    title), which is all a digest shows."""

    key: LedgerKey
    title: str
    url: str

    @property
    def what(self) -> str:
        return self.key[2]

    @property
    def due_on(self) -> datetime.date:
        return self.key[3]

    @property
    def stage(self) -> str:
        return self.key[4]

    @property
    def recipient_id(self) -> int:
        return self.key[5]


def ledger_key(reminder: Reminder) -> LedgerKey:
    return (
        reminder.subject_type_id,
        reminder.subject_id,
        reminder.what,
        reminder.due_on,
        reminder.stage,
        reminder.recipient_id,
    )


def _rows_for(item: DueItem, stage: str) -> list[tuple[str, int]]:
    if stage != Stage.ESCALATED:
        return [(stage, recipient) for recipient in item.recipients]
    # Past escalation: the owner hears it is overdue (a no-op if they already did), and
    # the escalation goes to the others (never back to the owner).
    return [(Stage.OVERDUE, recipient) for recipient in item.recipients] + [
        (Stage.ESCALATED, recipient) for recipient in item.escalate_to - item.recipients
    ]


def reminders_plan(*, today: datetime.date) -> dict[LedgerKey, PlannedReminder]:
    """Every reminder that applies on `today`, from the state of the database, for
    active people only. Already-recorded ones are included: the plan is what is current,
    the ledger says what was done about it."""
    days_before = settings.REMINDER_DAYS_BEFORE
    escalate_after = settings.REMINDER_ESCALATE_AFTER_DAYS
    horizon = today + datetime.timedelta(days=days_before)
    planned: dict[LedgerKey, PlannedReminder] = {}
    for provider in _providers.values():
        for item in provider(today=today, horizon=horizon):
            stage = reminder_stage(
                due_on=item.due_on,
                today=today,
                days_before=days_before,
                escalate_after=escalate_after,
            )
            if stage is None:
                continue
            for row_stage, recipient in _rows_for(item, stage):
                key = (
                    item.subject_type_id,
                    item.subject_id,
                    item.what,
                    item.due_on,
                    row_stage,
                    recipient,
                )
                planned[key] = PlannedReminder(key=key, title=item.title[:255], url=item.url)
    recipients = {plan.recipient_id for plan in planned.values()}
    active = set(
        User.objects.filter(pk__in=recipients, is_active=True).values_list("pk", flat=True)
    )
    return {key: plan for key, plan in planned.items() if plan.recipient_id in active}


# --- The ledger ------------------------------------------------------------------------


def mail_pending() -> Q:
    """Ledger rows still to be mailed: not sent, and not set aside as never to be mailed."""
    return Q(sent_at__isnull=True) & ~Q(last_error__startswith=NOT_MAILED)


@dataclass(frozen=True)
class LedgerState:
    recorded: set[LedgerKey]
    pending: set[LedgerKey]


def _ledger_state(planned: dict[LedgerKey, PlannedReminder]) -> LedgerState:
    """Which planned reminders the ledger already holds, and which of those are still to
    be mailed. One query, over the planned due dates."""
    if not planned:
        return LedgerState(recorded=set(), pending=set())
    due_dates = [key[3] for key in planned]
    rows = Reminder.objects.filter(
        due_on__gte=min(due_dates), due_on__lte=max(due_dates)
    ).values_list(
        "subject_type_id",
        "subject_id",
        "what",
        "due_on",
        "stage",
        "recipient_id",
        "sent_at",
        "last_error",
    )
    recorded, pending = set(), set()
    for *key, sent_at, last_error in rows:
        key = tuple(key)
        if key in planned:
            recorded.add(key)
            if sent_at is None and not last_error.startswith(NOT_MAILED):
                pending.add(key)
    return LedgerState(recorded=recorded, pending=pending)


def _new_reminder(plan: PlannedReminder, *, mail_off: bool) -> Reminder:
    subject_type_id, subject_id, what, due_on, stage, recipient_id = plan.key
    return Reminder(
        subject_type_id=subject_type_id,
        subject_id=subject_id,
        what=what,
        due_on=due_on,
        stage=stage,
        recipient_id=recipient_id,
        title=plan.title,
        url=plan.url,
        # Shown in the app all the same; set aside so it is never mailed later.
        last_error=REASON_MAIL_OFF if mail_off else "",
    )


# --- Digests ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestLine:
    stage: str
    stage_label: str
    what_label: str
    title: str
    due_on: datetime.date
    when: str
    link: str


def _when(due_on: datetime.date, today: datetime.date) -> str:
    days = (due_on - today).days
    if days == 0:
        return "due today"
    if days > 0:
        return f"due in {days} day{'s' if days != 1 else ''}"
    return f"{-days} day{'s' if days != -1 else ''} overdue"


def absolute_url(path: str) -> str:
    return settings.SITE_URL + (path or reverse("recommendations:notifications"))


def digest_lines(reminders: Iterable[Reminder], *, today: datetime.date) -> list[DigestLine]:
    lines = [
        DigestLine(
            stage=reminder.stage,
            stage_label=Stage(reminder.stage).label,
            what_label=what_label(reminder.what),
            title=reminder.title,
            due_on=reminder.due_on,
            when=_when(reminder.due_on, today),
            link=absolute_url(reminder.url),
        )
        for reminder in reminders
    ]
    lines.sort(key=lambda line: (STAGE_ORDER.index(line.stage), line.due_on, line.title))
    return lines


def digest_subject(lines: list[DigestLine]) -> str:
    counts = defaultdict(int)
    for line in lines:
        counts[line.stage] += 1
    parts = [
        f"{counts[stage]} {Stage(stage).label.lower()}" for stage in STAGE_ORDER if counts[stage]
    ]
    noun = "reminder" if len(lines) == 1 else "reminders"
    return f"OPCC oversight: {len(lines)} {noun} ({', '.join(parts)})"


def digest_message(
    *, recipient: User, reminders: list[Reminder], today: datetime.date
) -> EmailMultiAlternatives:
    """One e-mail for all of a person's reminders: plain text with an HTML alternative."""
    lines = digest_lines(reminders, today=today)
    notes = {
        Stage.ESCALATED: f"Overdue by more than {settings.REMINDER_ESCALATE_AFTER_DAYS} days; "
        "the person responsible has been reminded.",
        Stage.OVERDUE: "The date has passed.",
        Stage.DUE_TODAY: "",
        Stage.DUE_SOON: f"Due within {settings.REMINDER_DAYS_BEFORE} days.",
    }
    sections = [
        (Stage(stage).label, notes[stage], [line for line in lines if line.stage == stage])
        for stage in STAGE_ORDER
    ]
    context = {
        "recipient": recipient,
        "today": today,
        "lines": lines,
        "sections": [section for section in sections if section[2]],
        "notifications_url": absolute_url(reverse("recommendations:notifications")),
        "preferences_url": absolute_url(reverse("recommendations:preferences")),
        "weekly": recipient.digest_frequency == User.DigestFrequency.WEEKLY,
    }
    message = EmailMultiAlternatives(
        subject=digest_subject(lines),
        body=render_to_string("recommendations/email/digest.txt", context),
        to=[recipient.email],
    )
    message.attach_alternative(
        render_to_string("recommendations/email/digest.html", context), "text/html"
    )
    return message


# --- The sweep -------------------------------------------------------------------------


class Outcome:
    SENT = "sent"
    WOULD_SEND = "would send"
    WAITS_FOR_MONDAY = "waits for Monday's weekly digest"
    IN_APP_ONLY = "in the app only"
    FAILED = "failed"


@dataclass
class Digest:
    """What a sweep did, or would do, for one person (a dry run's reminders are
    PlannedReminders, which read like ledger rows)."""

    recipient: User
    reminders: list[Reminder] | list[PlannedReminder]
    outcome: str
    detail: str = ""


@dataclass
class SweepResult:
    today: datetime.date
    dry_run: bool
    planned: int = 0
    created: int = 0
    digests: list[Digest] = field(default_factory=list)

    @property
    def failed(self) -> list[Digest]:
        return [digest for digest in self.digests if digest.outcome == Outcome.FAILED]

    @property
    def sent(self) -> list[Digest]:
        return [digest for digest in self.digests if digest.outcome == Outcome.SENT]

    def summary(self) -> dict:
        return {
            "today": self.today.isoformat(),
            "planned": self.planned,
            "created": self.created,
            "digests_sent": len(self.sent),
            "digests_failed": len(self.failed),
        }


def _mail_decision(*, recipient: User, today: datetime.date) -> tuple[str, str]:
    """(outcome, reason) for a person with reminders to mail today."""
    if not recipient.email_reminders:
        return Outcome.IN_APP_ONLY, REASON_MAIL_OFF
    if not recipient.email:
        return Outcome.IN_APP_ONLY, REASON_NO_ADDRESS
    if recipient.digest_frequency == User.DigestFrequency.WEEKLY and today.weekday() != MONDAY:
        return Outcome.WAITS_FOR_MONDAY, ""
    return Outcome.WOULD_SEND, ""


def _mark_not_mailed(reminders: list[Reminder], reason: str) -> None:
    if reminders:
        Reminder.objects.filter(pk__in=[r.pk for r in reminders]).update(last_error=reason)


def _deliver(
    *,
    recipient: User,
    planned: dict[LedgerKey, PlannedReminder],
    today: datetime.date,
    mail_connection,
) -> Digest | None:
    """Lock the person's unsent rows, mail one digest of the current ones, then mark them
    sent. Rows another sweep holds are skipped: that sweep is mailing them."""
    with transaction.atomic():
        rows = list(
            Reminder.objects.filter(mail_pending(), recipient=recipient)
            .select_for_update(skip_locked=True)
            .order_by("due_on", "pk")
        )
        if not rows:
            return None
        current = [row for row in rows if ledger_key(row) in planned]
        _mark_not_mailed(
            [row for row in rows if ledger_key(row) not in planned], REASON_NOT_CURRENT
        )
        if not current:
            return None
        outcome, reason = _mail_decision(recipient=recipient, today=today)
        if outcome == Outcome.IN_APP_ONLY:
            _mark_not_mailed(current, reason)
            return Digest(recipient, current, outcome, reason)
        if outcome == Outcome.WAITS_FOR_MONDAY:
            return Digest(recipient, current, outcome)
        pks = [row.pk for row in current]
        try:
            message = digest_message(recipient=recipient, reminders=current, today=today)
            message.connection = mail_connection
            mail_connection.open()  # kept open for the next digest (a no-op once open)
            message.send()
        except (smtplib.SMTPException, OSError) as error:
            mail_connection.close()  # the next digest opens a fresh connection
            detail = f"{error.__class__.__name__}: {error}"[:1000]
            Reminder.objects.filter(pk__in=pks).update(
                send_attempts=F("send_attempts") + 1, last_error=detail
            )
            logger.warning("Reminder digest to %s failed: %s", recipient.pk, detail)
            return Digest(recipient, current, Outcome.FAILED, detail)
        Reminder.objects.filter(pk__in=pks).update(
            sent_at=timezone.now(), send_attempts=F("send_attempts") + 1, last_error=""
        )
        return Digest(recipient, current, Outcome.SENT)


def _preview(
    *,
    planned: dict[LedgerKey, PlannedReminder],
    ledger: LedgerState,
    recipients: dict[int, User],
    today: datetime.date,
) -> list[Digest]:
    """What a real sweep would mail, without writing or sending anything."""
    by_recipient: dict[int, list[PlannedReminder]] = defaultdict(list)
    for key, plan in planned.items():
        if key not in ledger.recorded or key in ledger.pending:
            by_recipient[plan.recipient_id].append(plan)
    digests = []
    for recipient_id, reminders in by_recipient.items():
        recipient = recipients[recipient_id]
        outcome, reason = _mail_decision(recipient=recipient, today=today)
        reminders.sort(key=lambda r: (STAGE_ORDER.index(r.stage), r.due_on, r.title))
        digests.append(Digest(recipient, reminders, outcome, reason))
    return digests


def reminders_sweep(*, today: datetime.date | None = None, dry_run: bool = False) -> SweepResult:
    """Record today's reminders in the ledger and mail one digest per person.

    Safe to run any number of times, at once or after days of not running: the ledger's
    unique constraint and the row locks make every reminder go out once. Each person's
    digest commits on its own, so a failure for one person leaves the others sent.
    """
    today = today or timezone.localdate()
    planned = reminders_plan(today=today)
    ledger = _ledger_state(planned)
    result = SweepResult(today=today, dry_run=dry_run, planned=len(planned))
    new = [plan for key, plan in planned.items() if key not in ledger.recorded]
    recipient_ids = {plan.recipient_id for plan in new} | {key[5] for key in ledger.pending}
    if dry_run:
        recipients = User.objects.in_bulk(recipient_ids)
        result.created = len(new)
        result.digests = _preview(
            planned=planned, ledger=ledger, recipients=recipients, today=today
        )
        return result

    mail_off = {
        user.pk: user
        for user in User.objects.filter(
            pk__in={plan.recipient_id for plan in new}, email_reminders=False
        )
    }
    rows = [_new_reminder(plan, mail_off=plan.recipient_id in mail_off) for plan in new]
    # ON CONFLICT DO NOTHING: a row another sweep recorded meanwhile is simply skipped.
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    result.created = len(rows)
    in_app_only: dict[int, list[Reminder]] = defaultdict(list)
    for row in rows:
        if row.recipient_id in mail_off:
            in_app_only[row.recipient_id].append(row)
    result.digests = [
        Digest(mail_off[recipient_id], reminders, Outcome.IN_APP_ONLY, REASON_MAIL_OFF)
        for recipient_id, reminders in in_app_only.items()
    ]
    # Everyone with something still to mail, including what an earlier run left pending
    # (a failed mail, a weekly digest waiting for Monday).
    pending_recipients = Reminder.objects.filter(mail_pending()).values("recipient_id")
    # One connection to the mail server for the whole run, not one per digest.
    mail_connection = get_connection()
    try:
        for recipient in User.objects.filter(pk__in=pending_recipients).order_by("pk"):
            digest = _deliver(
                recipient=recipient,
                planned=planned,
                today=today,
                mail_connection=mail_connection,
            )
            if digest is not None:
                result.digests.append(digest)
    finally:
        mail_connection.close()
    return result


# --- Notifications: the in-app list and preferences ------------------------------------


def notifications_for(user: User) -> QuerySet[Reminder]:
    """A person's notifications (reminders_for scopes them): the latest day's first, the
    most urgent first within a day."""
    urgency = Case(
        *(When(stage=stage, then=Value(rank)) for rank, stage in enumerate(STAGE_ORDER)),
        output_field=IntegerField(),
    )
    return (
        reminders_for(user)
        .annotate(recorded_on=TruncDate("created_at"), urgency=urgency)
        .order_by("-recorded_on", "urgency", "due_on", "pk")
    )


@transaction.atomic
def reminder_mark_read(*, user: User, reminder: Reminder) -> Reminder:
    if reminder.recipient_id != user.pk:
        raise PermissionDenied("Only the person a notification was sent to can mark it read.")
    if reminder.read_at is None:
        reminder.read_at = timezone.now()
        reminder.save(update_fields=["read_at", "updated_at"])
    return reminder


@transaction.atomic
def reminders_mark_all_read(*, user: User) -> int:
    return (
        reminders_for(user)
        .filter(read_at__isnull=True)
        .update(read_at=timezone.now(), updated_at=timezone.now())
    )


@transaction.atomic
def reminder_preferences_update(
    *, user: User, email_reminders: bool, digest_frequency: str
) -> User:
    user.email_reminders = email_reminders
    user.digest_frequency = User.DigestFrequency(digest_frequency)
    user.save(update_fields=["email_reminders", "digest_frequency"])
    return user


def reminder_chain_for(*, subject_type_id: int, subject_ids: QuerySet) -> QuerySet[Reminder]:
    """Who was told what about an item, and when; `subject_ids` is a scoped subquery."""
    return (
        Reminder.objects.filter(subject_type_id=subject_type_id, subject_id__in=subject_ids)
        .select_related("recipient")
        .order_by("due_on", "created_at", "pk")
    )


# --- The action page's panel: who was told when ----------------------------------------


@dataclass(frozen=True)
class ChainLine:
    what_label: str
    due_on: datetime.date
    stage: str
    stage_label: str
    recipient: str
    recorded_at: datetime.datetime
    sent_at: datetime.datetime | None
    note: str


def _chain_note(reminder: Reminder) -> str:
    if reminder.sent_at:
        return ""
    if reminder.last_error.startswith(NOT_MAILED):
        return "In the app only: " + reminder.last_error.removeprefix(NOT_MAILED)
    if reminder.send_attempts:
        return f"Mail failed ({reminder.send_attempts} attempts); will be retried."
    return "Not e-mailed yet."


def reminder_chain_panel(*, user: User, obj=None) -> dict | None:
    """The action page's panel: every reminder about the action, oldest first. Scoped to
    the actions the user may see; one query."""
    if obj is None:
        return None
    reminders = reminder_chain_for(
        subject_type_id=content_type_id(Action),
        subject_ids=actions_visible_to(user).filter(pk=obj.pk).values("pk"),
    )
    lines = [
        ChainLine(
            what_label=what_label(reminder.what),
            due_on=reminder.due_on,
            stage=reminder.stage,
            stage_label=reminder.get_stage_display(),
            recipient=f"{reminder.recipient} ({reminder.recipient.get_role_display()})",
            recorded_at=reminder.created_at,
            sent_at=reminder.sent_at,
            note=_chain_note(reminder),
        )
        for reminder in reminders
    ]
    chronological = list(reversed(STAGE_ORDER))
    lines.sort(
        key=lambda line: (
            line.due_on,
            line.what_label,
            chronological.index(line.stage),
            line.recipient,
        )
    )
    return {"lines": lines, "action": obj}
