"""The open deep-dive follow-ups a person leaves, and who may take them on: the reads
behind the person page's follow-up panel (reviews.panels) and the hand-over services
(reviews.services_handover).

Who may take a follow-up over: an active member of OPCC staff of the reviewing office.
"""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from oversight.models import User
from oversight.selectors import people_visible_to
from reviews.models import FollowUp
from reviews.permissions import can_reassign_follow_up
from reviews.selectors import follow_ups_visible_to


def can_take_over_follow_up(person: User, follow_up: FollowUp) -> bool:
    """No queries (the follow-up's review is read for its office: load it with it)."""
    return (
        person.is_active
        and person.role == User.Role.OPCC_STAFF
        and person.office_id == follow_up.review.office_id
    )


def who_can_take_over_follow_up(follow_up: FollowUp) -> str:
    return _("an active member of OPCC staff of %(office)s") % {"office": follow_up.review.office}


@dataclass(frozen=True)
class FollowUpHandover:
    follow_up: FollowUp
    choices: list[User]
    can_reassign: bool

    @property
    def select_id(self) -> str:
        return f"handover-follow-up-{self.follow_up.pk}"

    @property
    def select_label(self) -> str:
        return _("Hand this follow-up to")


@dataclass
class FollowUpsLeft:
    person: User
    rows: list[FollowUpHandover] = field(default_factory=list)
    everyone_can_take: list[User] = field(default_factory=list)

    @property
    def can_reassign_any(self) -> bool:
        return any(row.can_reassign for row in self.rows)

    @property
    def offer_all_at_once(self) -> bool:
        return sum(row.can_reassign for row in self.rows) > 1


def open_follow_ups_of(user: User, person: User) -> QuerySet[FollowUp]:
    """The open follow-ups the user sees that `person` owns, due first. select_related:
    the review with its office, the recommendation."""
    return (
        follow_ups_visible_to(user)
        .filter(owner=person.pk, status__in=FollowUp.OPEN_STATUSES)
        .select_related("review__office", "recommendation", "owner")
        .order_by("due_on", "pk")
    )


def follow_ups_left_by(user: User, person: User) -> FollowUpsLeft:
    """The person's open follow-ups, as many as the user sees, with who may take each on.
    Queries: the follow-ups; and, when the user may hand one over, the candidates."""
    follow_ups = list(open_follow_ups_of(user, person))
    allowed = {f.pk: can_reassign_follow_up(user, f) for f in follow_ups}
    candidates = []
    if any(allowed.values()):
        candidates = list(
            people_visible_to(user)
            .filter(
                role=User.Role.OPCC_STAFF,
                office__in={f.review.office_id for f in follow_ups if allowed[f.pk]},
            )
            .exclude(pk=person.pk)
            .select_related("office")
            .order_by("first_name", "last_name", "username")
        )
    result = FollowUpsLeft(person=person)
    for follow_up in follow_ups:
        may = allowed[follow_up.pk]
        choices = [c for c in candidates if may and can_take_over_follow_up(c, follow_up)]
        result.rows.append(FollowUpHandover(follow_up, choices, may))
    handing = [row.follow_up for row in result.rows if row.can_reassign]
    if handing:
        result.everyone_can_take = [
            c for c in candidates if all(can_take_over_follow_up(c, f) for f in handing)
        ]
    return result


def follow_ups_for_handover(user: User) -> QuerySet[FollowUp]:
    return follow_ups_visible_to(user).select_related("review__office", "owner")


def follow_up_owners_visible_to(user: User) -> QuerySet[User]:
    """People, active or not, who own a follow-up the user sees."""
    return User.objects.filter(Exists(follow_ups_visible_to(user).filter(owner=OuterRef("pk"))))
