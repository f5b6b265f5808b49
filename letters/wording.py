"""The default wording of a new letter, from the report and the office."""

import datetime
import logging

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from letters.models import Letter
from letters.text import address_lines, long_date
from oversight.models import InspectionReport, Office

logger = logging.getLogger(__name__)


def _commissioner_title(office: Office | None) -> str:
    if office and office.name.startswith("Office of the "):
        return office.name.removeprefix("Office of the ")
    return _("Police and Crime Commissioner")


def _chief_constable_name(chief_constable: str) -> str:
    return chief_constable.removeprefix("Chief Constable ").strip()


def default_wording(
    kind: str, report: InspectionReport, office: Office | None, language: str = "en-gb"
) -> dict:
    """The wording in the letter's language; a bilingual letter gets the English wording
    and the Welsh (the *_cy fields)."""
    with translation.override("cy" if language == Letter.Language.WELSH else "en-gb"):
        wording = _default_wording(kind, report, office)
    if language == Letter.Language.BILINGUAL:
        with translation.override("cy"):
            welsh = _default_wording(kind, report, office)
        for name in ("salutation", "opening", "closing", "signatory_title"):
            wording[f"{name}_cy"] = welsh[name]
    return wording


def _default_wording(kind: str, report: InspectionReport, office: Office | None) -> dict:
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
        values = {
            "date": long_date(report.formal_response_requested_on),
            "publisher": publisher,
            "title": report.title,
            "published": published,
        }
        asked = (
            _(
                "Thank you for your letter of %(date)s asking for my formal response to "
                "%(publisher)s’s report “%(title)s”, published on %(published)s."
            )
            if report.formal_response_requested_on
            else _(
                "This is my formal response to %(publisher)s’s report “%(title)s”, "
                "published on %(published)s."
            )
        ) % values
        return {
            "reference": reference,
            "addressee": "\n".join(
                line for line in [commissioner, _commissioner_title(office), office_address] if line
            ),
            "salutation": _("Dear Commissioner"),
            "opening": asked
            + "\n\n"
            + _(
                "For each of the priority areas your office identified, and for each "
                "recommendation within it, this letter sets out the progress the force has "
                "made and the work that remains. Progress is taken from the updates your "
                "office has reviewed and accepted; where a target date has been revised, the "
                "original date is shown beside it."
            ),
            "closing": _(
                "The force will continue to report progress to you through its governance "
                "board until every recommendation is closed. I would welcome the opportunity "
                "to discuss any part of this response with you."
            ),
            "signatory_name": chief,
            "signatory_title": _("Chief Constable, %(force)s") % {"force": force.name},
        }
    if kind == Letter.Kind.RESPONSE_REQUEST:
        return {
            "reference": reference,
            "addressee": "\n".join(
                line for line in [chief, _("Chief Constable"), force.name, force_address] if line
            ),
            "salutation": _("Dear Chief Constable"),
            "opening": _(
                "On %(published)s %(publisher)s published its report “%(title)s”. My office "
                "has grouped its recommendations into the priority areas set out below."
            )
            % {"published": published, "publisher": publisher, "title": report.title}
            + "\n\n"
            + _(
                "I should be grateful for your formal response by the date shown above, "
                "setting out for each priority area and each recommendation the progress the "
                "force has made and the work that remains, with revised target dates where "
                "the original ones will not be met."
            ),
            "closing": (
                _(
                    "Your response will inform my comments under section 55 of the Police "
                    "Act 1996 and the scrutiny of the force’s action plan by my office."
                )
                if report.has_section_55
                else _(
                    "Your response will inform the scrutiny of the force’s action plan by my "
                    "office."
                )
            ),
            "signatory_name": commissioner,
            "signatory_title": _commissioner_title(office),
            "response_due_on": timezone.localdate() + datetime.timedelta(days=28),
        }
    return {
        "reference": reference,
        "addressee": _("HM Chief Inspector of Constabulary")
        + "\n"
        + (
            _("His Majesty’s Inspectorate of Constabulary and Fire & Rescue Services")
            if report.source == InspectionReport.Source.HMICFRS
            else _("Her Majesty’s Inspectorate of Constabulary")
        ),
        "salutation": _("Dear Chief Inspector"),
        "opening": _(
            "Section 55 of the Police Act 1996 requires me to publish my comments on an "
            "inspection report about the force within 56 days of its publication. This is my "
            "response to your report “%(title)s”, published on %(published)s."
        )
        % {"title": report.title, "published": published}
        + "\n\n"
        + _(
            "For each recommendation I set out the action the force has taken or plans to "
            "take, or why no action is to be taken."
        ),
        "closing": _(
            "I will continue to hold the Chief Constable to account for delivering these "
            "improvements. A copy of this response has been sent to the Home Secretary and "
            "is published on my office’s website."
        ),
        "signatory_name": commissioner,
        "signatory_title": _commissioner_title(office),
    }


# --- Writes ----------------------------------------------------------------------------
