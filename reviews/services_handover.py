"""Writes for handing a leaver's open deep-dive follow-ups to someone else, one at a time
or all at once. Each change is saved with its history (who handed it over, and when); a
person who cannot take a follow-up on (reviews.handover) is refused with a message naming
who can."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from oversight.models import User
from reviews.handover import (
    can_take_over_follow_up,
    open_follow_ups_of,
    who_can_take_over_follow_up,
)
from reviews.models import FollowUp
from reviews.permissions import can_reassign_follow_up
from reviews.selectors import follow_ups_visible_to


def follow_up_reassign(
    *, follow_up: FollowUp, person: User, by: User, expected_holder_id: int | None = None
) -> FollowUp:
    """Give an open follow-up to another owner: active OPCC staff of the reviewing office."""
    with transaction.atomic():
        follow_up = (
            FollowUp.objects.select_for_update(of=("self",))
            .select_related("review__office", "owner")
            .get(pk=follow_up.pk)
        )
        if not follow_ups_visible_to(by).filter(pk=follow_up.pk).exists():
            raise PermissionDenied("You cannot see this follow-up.")
        if expected_holder_id is not None and follow_up.owner_id != expected_holder_id:
            raise ValidationError(
                f"This follow-up is now {follow_up.owner}'s: someone changed it after you "
                "opened the page. Nothing was saved; reload the page to see who holds what."
            )
        if not can_reassign_follow_up(by, follow_up):
            raise PermissionDenied(
                "Only OPCC staff of the reviewing office can hand over an open follow-up."
            )
        if follow_up.owner_id == person.pk:
            raise ValidationError({"person": f"{person} already owns this follow-up."})
        if not can_take_over_follow_up(person, follow_up):
            raise ValidationError(
                {
                    "person": f"{person} cannot own this follow-up. Choose "
                    f"{who_can_take_over_follow_up(follow_up)}."
                }
            )
        follow_up.owner = person
        follow_up._history_user = by
        follow_up.save()
    return follow_up


def follow_ups_hand_over(*, holder: User, person: User, by: User) -> list[FollowUp]:
    """Give every open follow-up of `holder` that `by` may hand over to `person`. All or
    nothing: if `person` cannot take one of them, none is changed."""
    with transaction.atomic():
        held = list(open_follow_ups_of(by, holder).select_for_update(of=("self",)))
        follow_ups = [follow_up for follow_up in held if can_reassign_follow_up(by, follow_up)]
        if not follow_ups:
            if held:
                raise PermissionDenied(
                    "Only OPCC staff of the reviewing office can hand over an open follow-up."
                )
            raise ValidationError(f"{holder} has no open follow-ups left to hand over.")
        if person.pk == holder.pk:
            raise ValidationError({"person": f"Choose someone other than {holder}."})
        refused = [f for f in follow_ups if not can_take_over_follow_up(person, f)]
        if refused:
            offices = sorted({str(f.review.office) for f in refused})
            raise ValidationError(
                {
                    "person": f"{person} cannot take over {len(refused)} of these follow-ups "
                    f"(only OPCC staff of {', '.join(offices)} can): nothing was handed over."
                }
            )
        for follow_up in follow_ups:
            follow_up.owner = person
            follow_up._history_user = by
            follow_up.save()
    return follow_ups
