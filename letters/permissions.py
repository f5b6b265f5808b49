"""Who may write, edit and issue the formal letters."""

import logging

from letters.models import Letter
from oversight.models import InspectionReport, User

logger = logging.getLogger(__name__)


def letter_kinds_written_by_organisation_of(user: User) -> list[str]:
    """The letters the user's organisation writes: the OPCC writes every letter; the force
    writes the chief constable's own letter (the formal response); a partner agency none.
    A draft is seen by the organisation writing it, and no one else until it is issued."""
    if not user.is_authenticated:
        return []
    if user.is_opcc:
        return [kind.value for kind in Letter.Kind]
    if user.is_force_user:
        return [Letter.Kind.FORMAL_RESPONSE.value]
    return []


def letter_kinds_creatable_by(user: User) -> list[str]:
    """OPCC staff write every letter; the force's plan owner may build the chief
    constable's own letter (the formal response). Nobody else writes letters."""
    if user.is_authenticated and (user.is_opcc_staff or user.role == User.Role.PLAN_OWNER):
        return letter_kinds_written_by_organisation_of(user)
    return []


def letter_kinds_for_report(kinds: list[str], report: InspectionReport) -> list[str]:
    """Of `kinds`, those the report calls for: the PCC's section 55 response answers only
    an HMICFRS or HMIC report (Police Act 1996 s55); the other letters fit every source."""
    if report.has_section_55:
        return kinds
    return [kind for kind in kinds if kind != Letter.Kind.SECTION_55]


def letter_can_edit(user: User, letter: Letter) -> bool:
    """Edit and render a draft. Call only with a letter from letters_visible_to(user)."""
    return letter.status == Letter.Status.DRAFT and letter.kind in letter_kinds_creatable_by(user)


def letter_can_issue(user: User, letter: Letter) -> bool:
    """Only OPCC staff issue, whoever built the letter."""
    return user.is_authenticated and user.is_opcc_staff and letter.status == Letter.Status.DRAFT


def can_manage_packs(user: User, office) -> bool:
    """Set meetings, prepare, render and issue committee packs: the office's OPCC staff."""
    return (
        user.is_authenticated
        and user.is_opcc_staff
        and office is not None
        and user.office_id == office.pk
    )


def can_read_packs(user: User) -> bool:
    """The office's committee packs are read by its OPCC staff and read-only users."""
    return user.is_authenticated and user.is_opcc and user.office_id is not None


def can_read_public_site(user: User) -> bool:
    """The office's "Public site" page (what is published, what could be): its OPCC staff
    and read-only users."""
    return user.is_authenticated and user.is_opcc and user.office_id is not None


def can_publish(user: User, office) -> bool:
    """Publish to the office's public site and withdraw from it: its OPCC staff only (not
    read-only users, the force or partner agencies)."""
    return (
        user.is_authenticated
        and user.is_opcc_staff
        and office is not None
        and user.office_id == office.pk
    )
