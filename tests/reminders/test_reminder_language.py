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
