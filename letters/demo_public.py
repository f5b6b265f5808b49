"""The demo's public site: the Devon and Cornwall office issues its section 55 response to
the 2015 child protection inspection and publishes the report, with a public summary of
progress on each recommendation, and the letter. Run by `manage.py seed_demo` after the
rest of the scenario (reviews.demo_scenario); a second run changes nothing.

The summaries are illustrative, like the recommendations' wording.
"""

import datetime

from django.db import transaction

from letters.models import Letter, PublishedReport
from letters.public_snapshot import live_snapshot
from letters.services import letter_create, letter_issue, letter_update
from letters.services_public import letter_publish, report_publish
from oversight.models import InspectionReport, User
from oversight.shared.concurrency import version_of
from recommendations.models import Recommendation

# The day the OPCC published its comments (the report's section_55_published_on).
SECTION_55_DATE = datetime.date(2015, 9, 7)

PUBLIC_SUMMARIES = {
    "R1": "Done. The force created more investigator posts for child sexual exploitation, "
    "and each case is now recorded as such and given to a specialist. We checked the "
    "evidence before agreeing it was complete.",
    "R2": "Every child sexual exploitation investigation is now followed through a weekly "
    "review. Work continues with partner agencies on sharing what these cases teach.",
    "R3": "Each time a child goes missing, the episode is now reviewed the next day. "
    "Interviews for children when they come home are being arranged with the councils; "
    "not every child is offered one yet.",
    "R4": "The force and the councils are writing a shared profile of children who go "
    "missing again and again, so that they can agree how to respond together.",
    "R5": "A central team now assesses every child protection referral, and new rules say "
    "how information about risk must be recorded. We are checking the rules are followed.",
    "R6": "This office paid for work to share intelligence between agencies. The "
    "agreement between the agencies on what they share is being finalised.",
    "R7": "Serious child protection cases now go to specialist investigators under a new "
    "policy. The force says this is complete; we are checking the evidence.",
    "R8": "Training on vulnerability and child protection is under way for every "
    "frontline officer and member of staff. It is behind plan, and we follow it monthly.",
    "R9": "Every child held overnight in custody is now reviewed, and the figures come to "
    "us each month. Agreeing other places for these children to stay with the councils is "
    "late, and we are pressing for it.",
    "R10": "The force has a plan to clear the backlog of devices waiting to be examined, "
    "and is bringing in faster equipment. The backlog is falling more slowly than planned.",
}


@transaction.atomic
def seed_public_site() -> dict:
    """Issue the section 55 response (unless one is issued) and publish the report and the
    letter on the office's public site (unless the report was ever published there)."""
    report = InspectionReport.objects.select_related("force").get(
        title="National child protection inspection: Devon and Cornwall Police"
    )
    opcc = User.objects.select_related("office").get(username="opcc")
    office = opcc.office
    created = {"letters_issued": 0, "public_reports": 0, "public_letters": 0}
    if PublishedReport.objects.filter(office=office, report=report).exists():
        return created
    letter = Letter.objects.filter(
        report=report, kind=Letter.Kind.SECTION_55, status=Letter.Status.ISSUED
    ).first()
    if letter is None:
        letter = letter_create(report=report, kind=Letter.Kind.SECTION_55, user=opcc)
        letter = letter_update(
            letter=letter,
            user=opcc,
            expected_version=version_of(letter),
            letter_date=SECTION_55_DATE,
        )
        letter = letter_issue(letter=letter, user=opcc)
        created["letters_issued"] += 1
    references = dict(Recommendation.objects.filter(report=report).values_list("reference", "pk"))
    summaries = {references[ref]: text for ref, text in PUBLIC_SUMMARIES.items()}
    report_publish(
        office=office,
        report=report,
        by=opcc,
        summaries=summaries,
        expected_digest=live_snapshot(office=office, report=report).digest,
    )
    created["public_reports"] += 1
    letter_publish(office=office, letter=letter, by=opcc)
    created["public_letters"] += 1
    return created
