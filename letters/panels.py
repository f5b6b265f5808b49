"""The letters panel on the report page (an upstream page: see oversight.shared.panels)."""

import logging

from django.utils.translation import gettext_lazy

from letters.models import Letter
from letters.permissions import letter_kinds_creatable_by, letter_kinds_for_report
from letters.selectors import letters_for_report
from oversight.models import InspectionReport, User

logger = logging.getLogger(__name__)


def report_letters_panel(*, user: User, obj: InspectionReport) -> dict | None:
    """Context for the letters panel on the report page (one query); None for people who
    see no letters (partner agencies)."""
    if not user.is_authenticated or user.is_partner:
        return None
    letters = letters_for_report(user, obj)
    latest: dict[str, Letter] = {}
    for letter in letters:
        latest.setdefault(letter.kind, letter)
    creatable = letter_kinds_for_report(letter_kinds_creatable_by(user), obj)
    offers = []
    for kind in Letter.Kind:
        if kind.value not in creatable:
            continue
        current = latest.get(kind.value)
        offers.append(
            {
                "kind": kind.value,
                "label": _OFFER_LABELS[kind.value],
                "draft": current if current and current.status == Letter.Status.DRAFT else None,
                "next_version": current.version + 1 if current else 1,
            }
        )
    return {"report": obj, "letters": letters, "offers": offers}


_OFFER_LABELS = {
    Letter.Kind.FORMAL_RESPONSE: gettext_lazy("Generate the chief constable’s formal response"),
    Letter.Kind.RESPONSE_REQUEST: gettext_lazy(
        "Request the formal response from the chief constable"
    ),
    Letter.Kind.SECTION_55: gettext_lazy("Prepare the PCC’s section 55 response"),
}
