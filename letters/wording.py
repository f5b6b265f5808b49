"""The default wording of a new letter, from the report and the office."""

import datetime
import logging

from django.utils import timezone

from letters.models import Letter
from letters.text import address_lines, long_date
from oversight.models import InspectionReport, Office

logger = logging.getLogger(__name__)


def _commissioner_title(office: Office | None) -> str:
    if office and office.name.startswith("Office of the "):
        return office.name.removeprefix("Office of the ")
    return "Police and Crime Commissioner"


def _chief_constable_name(chief_constable: str) -> str:
    return chief_constable.removeprefix("Chief Constable ").strip()


def default_wording(kind: str, report: InspectionReport, office: Office | None) -> dict:
    force = report.force
    publisher = report.publisher
    published = long_date(report.published_on)
    commissioner = office.commissioner if office else ""
    office_address = "\n".join(address_lines(office.address)) if office else ""
    force_address = "\n".join(address_lines(force.address))
    chief = _chief_constable_name(force.chief_constable)
    prefix = {
        Letter.Kind.FORMAL_RESPONSE: "FR",
        Letter.Kind.RESPONSE_REQUEST: "RQ",
        Letter.Kind.SECTION_55: "S55",
    }[kind]
    reference = f"{prefix}/{report.published_on:%Y}/{report.pk:04d}"
    if kind == Letter.Kind.FORMAL_RESPONSE:
        asked = (
            f"Thank you for your letter of {long_date(report.formal_response_requested_on)} "
            "asking for my formal response to "
            if report.formal_response_requested_on
            else "This is my formal response to "
        )
        return {
            "reference": reference,
            "addressee": "\n".join(
                line for line in [commissioner, _commissioner_title(office), office_address] if line
            ),
            "salutation": "Dear Commissioner",
            "opening": (
                f"{asked}{publisher}’s report “{report.title}”, published on {published}."
                "\n\nFor each of the priority areas your office identified, and for each "
                "recommendation within it, this letter sets out the progress the force has "
                "made and the work that remains. Progress is taken from the updates your "
                "office has reviewed and accepted; where a target date has been revised, the "
                "original date is shown beside it."
            ),
            "closing": (
                "The force will continue to report progress to you through its governance "
                "board until every recommendation is closed. I would welcome the opportunity "
                "to discuss any part of this response with you."
            ),
            "signatory_name": chief,
            "signatory_title": f"Chief Constable, {force.name}",
        }
    if kind == Letter.Kind.RESPONSE_REQUEST:
        return {
            "reference": reference,
            "addressee": "\n".join(
                line for line in [chief, "Chief Constable", force.name, force_address] if line
            ),
            "salutation": "Dear Chief Constable",
            "opening": (
                f"On {published} {publisher} published its report “{report.title}”. My "
                "office has grouped its recommendations into the priority areas set out "
                "below.\n\nI should be grateful for your formal response by the date shown "
                "above, setting out for each priority area and each recommendation the "
                "progress the force has made and the work that remains, with revised target "
                "dates where the original ones will not be met."
            ),
            "closing": (
                (
                    "Your response will inform my comments under section 55 of the Police "
                    "Act 1996 and the scrutiny of the force’s action plan by my office."
                )
                if report.has_section_55
                else "Your response will inform the scrutiny of the force’s action plan by "
                "my office."
            ),
            "signatory_name": commissioner,
            "signatory_title": _commissioner_title(office),
            "response_due_on": timezone.localdate() + datetime.timedelta(days=28),
        }
    return {
        "reference": reference,
        "addressee": "HM Chief Inspector of Constabulary\n"
        + (
            "His Majesty’s Inspectorate of Constabulary and Fire & Rescue Services"
            if report.source == InspectionReport.Source.HMICFRS
            else "Her Majesty’s Inspectorate of Constabulary"
        ),
        "salutation": "Dear Chief Inspector",
        "opening": (
            f"Section 55 of the Police Act 1996 requires me to publish my comments on an "
            f"inspection report about the force within 56 days of its publication. This is "
            f"my response to your report “{report.title}”, published on {published}."
            "\n\nFor each recommendation I set out the action the force has taken or plans "
            "to take, or why no action is to be taken."
        ),
        "closing": (
            "I will continue to hold the Chief Constable to account for delivering these "
            "improvements. A copy of this response has been sent to the Home Secretary and "
            "is published on my office’s website."
        ),
        "signatory_name": commissioner,
        "signatory_title": _commissioner_title(office),
    }


# --- Writes ----------------------------------------------------------------------------
