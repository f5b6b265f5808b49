"""Reminders are written in the language of the person they go to (User.language)."""

import datetime

from django.utils import translation

from reminders.services import reminders_sweep
from tests import factories

TUESDAY = datetime.date(2026, 12, 1)


def test_each_recipient_gets_the_digest_in_their_own_language(
    plan_a, recommendation_a, police_lead_a, police_lead_a2, mailoutbox
):
    police_lead_a.language = "cy"
    police_lead_a.save(update_fields=["language"])
    police_lead_a2.language = "en-gb"
    police_lead_a2.save(update_fields=["language"])
    for reference, lead in (("A1", police_lead_a), ("A2", police_lead_a2)):
        factories.ActionFactory(
            plan=plan_a,
            reference=reference,
            delivery_lead=lead,
            recommendations=[recommendation_a],
            next_update_due=TUESDAY + datetime.timedelta(days=3),
        )

    reminders_sweep(today=TUESDAY)

    mails = {mail.to[0]: mail for mail in mailoutbox}
    welsh, english = mails[police_lead_a.email], mails[police_lead_a2.email]
    assert welsh.subject.startswith("Goruchwyliaeth SCHTh: 1 nodyn atgoffa")
    assert "Annwyl " in welsh.body and "Yn ddyledus ymhen 3 diwrnod" in welsh.body
    assert "Diweddariad ar gynnydd yn ddyledus" in welsh.body
    [(welsh_html, _)] = welsh.alternatives
    assert 'lang="cy"' in welsh_html and "Mae angen eich sylw ar un eitem" in welsh_html
    assert english.subject == "OPCC oversight: 1 reminder (1 due soon)"
    assert "Dear " in english.body and "Due in 3 days" in english.body
    assert "Progress update due" in english.body
    [(english_html, _)] = english.alternatives
    assert 'lang="en-gb"' in english_html and "One item needs your attention" in english_html
    # The sweep leaves the language it found.
    assert translation.get_language() == "en-gb"


def test_notification_titles_are_written_in_each_recipients_language(
    plan_a, recommendation_a, police_lead_a, opcc_staff, office_a
):
    """The ledger keeps each person's notification in their language: the OPCC's reminder
    to decide a request to move a date, and the decision's notice to the lead."""
    import time_machine
    from django.utils.formats import date_format

    from oversight.models import User
    from recommendations.services_extensions import extension_decide
    from reminders.due_extensions import EXTENSION_DECISION_DAYS, EXTENSION_DECISION_DUE
    from reminders.models import Reminder
    from reminders.services import returns_notify
    from tests.conftest import _persona

    english_staff = _persona("staff_en", User.Role.OPCC_STAFF, office=office_a)
    english_staff.language = "en-gb"
    english_staff.save(update_fields=["language"])
    opcc_staff.language = "cy"
    opcc_staff.save(update_fields=["language"])
    police_lead_a.language = "cy"
    police_lead_a.save(update_fields=["language"])
    action = factories.ActionFactory(
        plan=plan_a,
        reference="A1",
        delivery_lead=police_lead_a,
        recommendations=[recommendation_a],
        next_update_due=TUESDAY + datetime.timedelta(days=100),
    )
    morning = datetime.datetime(2026, 12, 1, 9, tzinfo=datetime.UTC)
    with time_machine.travel(morning, tick=False):
        request = factories.ExtensionRequestFactory(action=action)
    decide_on = TUESDAY + datetime.timedelta(days=EXTENSION_DECISION_DAYS)
    reminders_sweep(today=decide_on)

    titles = {
        row.recipient_id: row.title for row in Reminder.objects.filter(what=EXTENSION_DECISION_DUE)
    }
    with translation.override("cy"):
        welsh_day = date_format(request.to_date, "j M Y")
    english_day = date_format(request.to_date, "j M Y")
    assert welsh_day != english_day
    assert (
        "symud y dyddiad targed o" in titles[opcc_staff.pk] and welsh_day in titles[opcc_staff.pk]
    )
    assert "move the target date from" in titles[english_staff.pk]
    assert english_day in titles[english_staff.pk]

    with time_machine.travel(morning + datetime.timedelta(days=2), tick=False):
        extension_decide(extension=request, by=english_staff, agree=True)
        returns_notify()
    notice = Reminder.objects.get(recipient=police_lead_a, stage=Reminder.Stage.DECIDED)
    assert f"y dyddiad targed bellach yw {welsh_day}" in notice.title
    assert translation.get_language() == "en-gb"
