"""Actions left without an owner: the plan owner is reminded, each stage once, until the
leaver's role is handed to someone else.

Police lead A leads A1 in plan A (owned by plan owner A, whose manager is nobody) and
leaves on TUESDAY.
"""

import datetime

import pytest

from oversight.models import User
from recommendations import services_handover
from recommendations.models import Action
from reminders.due_leavers import LEFT_WITHOUT_OWNER, leaver_due_items
from reminders.models import Reminder
from reminders.services import reminders_sweep
from tests import factories, leavers

TUESDAY = datetime.date(2026, 12, 1)
Stage = Reminder.Stage


def days(n: int) -> datetime.date:
    return TUESDAY + datetime.timedelta(days=n)


@pytest.fixture
def report_a(report_a):
    """Report A with its plan received and section 55 comments published: only the
    dates a test sets produce reminders."""
    report_a.action_plan_received_on = datetime.date(2026, 10, 1)
    report_a.section_55_published_on = datetime.date(2026, 10, 20)
    report_a.save()
    return report_a


@pytest.fixture
def action_a(action_a):
    """Nothing else about A1 is due for months."""
    action_a.next_update_due = days(120)
    action_a.target_date = days(200)
    action_a.save()
    return action_a


@pytest.fixture
def admin_a(office_a):
    return leavers.office_admin(office_a, "admin_a")


@pytest.fixture
def leaver(action_a, police_lead_a, admin_a):
    return leavers.deactivate(police_lead_a, by=admin_a, on=TUESDAY)


def leaver_reminders(**filters) -> set[tuple]:
    return set(
        Reminder.objects.filter(what=LEFT_WITHOUT_OWNER, **filters).values_list(
            "stage", "recipient__username", "due_on"
        )
    )


def test_plan_owner_is_reminded_on_the_day_the_lead_leaves(
    leaver, action_a, plan_owner_a, mailoutbox
):
    reminders_sweep(today=TUESDAY)

    assert leaver_reminders() == {(Stage.DUE_TODAY, plan_owner_a.username, TUESDAY)}
    [mail] = [m for m in mailoutbox if m.to == [plan_owner_a.email]]
    assert "Left without an owner: hand it to someone" in mail.body
    assert "A1 (Child protection in force A, Force A Police)" in mail.body
    assert f"its delivery lead {leaver} has left" in mail.body
    assert not Reminder.objects.filter(recipient=leaver).exists()


def test_plan_owner_is_reminded_once_per_stage_while_unassigned(
    leaver, action_a, plan_owner_a, mailoutbox
):
    for day in (0, 0, 1, 2, 5):
        reminders_sweep(today=days(day))

    assert leaver_reminders() == {
        (Stage.DUE_TODAY, plan_owner_a.username, TUESDAY),
        (Stage.OVERDUE, plan_owner_a.username, TUESDAY),
    }
    assert len([m for m in mailoutbox if m.to == [plan_owner_a.email]]) == 2


def test_reminders_stop_once_the_role_is_handed_over(
    leaver, action_a, plan_owner_a, police_lead_a2, mailoutbox
):
    reminders_sweep(today=TUESDAY)
    services_handover.action_reassign(
        action=action_a, field="delivery_lead", person=police_lead_a2, by=plan_owner_a
    )
    mailoutbox.clear()

    for day in (1, 2, 20):
        reminders_sweep(today=days(day))

    assert leaver_reminders() == {(Stage.DUE_TODAY, plan_owner_a.username, TUESDAY)}
    assert not [m for m in mailoutbox if "Left without an owner" in m.body]


def test_long_unassigned_escalates_to_the_opcc(leaver, action_a, plan_owner_a, opcc_staff, admin_a):
    reminders_sweep(today=days(20))

    # The OPCC staff overseeing force A, the administrator among them.
    assert leaver_reminders() == {
        (Stage.OVERDUE, plan_owner_a.username, TUESDAY),
        (Stage.ESCALATED, opcc_staff.username, TUESDAY),
        (Stage.ESCALATED, admin_a.username, TUESDAY),
    }


def test_a_departed_owner_is_reported_too(action_a, plan_owner_a, force_a, admin_a):
    owner = leavers.person("acc_a2", User.Role.PLAN_OWNER, force=force_a)
    Action.objects.filter(pk=action_a.pk).update(owner=owner)
    leavers.deactivate(owner, by=admin_a, on=days(-3))

    [item] = leaver_due_items(today=TUESDAY, horizon=days(7))

    assert (item.subject_id, item.due_on, item.recipients) == (
        action_a.pk,
        days(-3),
        frozenset({plan_owner_a.pk}),
    )
    assert f"its owner {owner} has left" in item.title


def test_the_forces_plan_owners_hear_when_the_plan_owner_left_too(
    leaver, action_a, plan_a, plan_owner_a, force_a, admin_a
):
    colleague = leavers.person("acc_a2", User.Role.PLAN_OWNER, force=force_a)
    leavers.deactivate(plan_owner_a, by=admin_a, on=TUESDAY)

    reminders_sweep(today=TUESDAY)

    assert leaver_reminders() == {(Stage.DUE_TODAY, colleague.username, TUESDAY)}


def test_finished_actions_and_active_people_give_no_leaver_reminders(
    action_a, police_lead_a, opcc_staff
):
    assert leaver_due_items(today=TUESDAY, horizon=days(7)) == []
    leavers.deactivate(police_lead_a, on=TUESDAY)
    Action.objects.filter(pk=action_a.pk).update(
        status=Action.Status.CLOSED, signed_off_by=opcc_staff
    )

    assert leaver_due_items(today=TUESDAY, horizon=days(7)) == []


def test_an_account_deactivated_without_the_audit_log_is_dated_by_its_last_sign_in(
    action_a, police_lead_a
):
    police_lead_a.last_login = datetime.datetime(2026, 11, 20, 9, tzinfo=datetime.UTC)
    police_lead_a.is_active = False
    police_lead_a.save()

    [item] = leaver_due_items(today=TUESDAY, horizon=days(7))

    assert item.due_on == datetime.date(2026, 11, 20)


def test_leaver_items_are_read_in_a_fixed_number_of_queries(
    leaver, plan_a, django_assert_num_queries
):
    # live actions with a departed owner or lead (with when each left); the force's plan
    # owners; the OPCC staff overseeing the force.
    with django_assert_num_queries(3):
        assert len(leaver_due_items(today=TUESDAY, horizon=days(7))) == 1
    factories.ActionFactory.create_batch(19, plan=plan_a, delivery_lead=leaver)
    with django_assert_num_queries(3):
        assert len(leaver_due_items(today=TUESDAY, horizon=days(7))) == 20
