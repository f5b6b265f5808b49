"""Writes for handing a leaver's open deep-dive follow-ups to someone else, one at a time
or all at once. Each change is saved with its history (who handed it over, and when); a
person who cannot take a follow-up on (reviews.handover) is refused with a message naming
who can."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
            raise PermissionDenied(_("You cannot see this follow-up."))
        if expected_holder_id is not None and follow_up.owner_id != expected_holder_id:
            raise ValidationError(
                _(
                    "This follow-up is now %(owner)s's: someone changed it after you "
                    "opened the page. Nothing was saved; reload the page to see who holds what."
                )
                % {"owner": follow_up.owner}
            )
        if not can_reassign_follow_up(by, follow_up):
            raise PermissionDenied(
                _("Only OPCC staff of the reviewing office can hand over an open follow-up.")
            )
        if follow_up.owner_id == person.pk:
            raise ValidationError(
                {"person": _("%(person)s already owns this follow-up.") % {"person": person}}
            )
        if not can_take_over_follow_up(person, follow_up):
            raise ValidationError(
                {
                    "person": _("%(person)s cannot own this follow-up. Choose %(who)s.")
                    % {"person": person, "who": who_can_take_over_follow_up(follow_up)}
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
                    _("Only OPCC staff of the reviewing office can hand over an open follow-up.")
                )
            raise ValidationError(
                _("%(holder)s has no open follow-ups left to hand over.") % {"holder": holder}
            )
        if person.pk == holder.pk:
            raise ValidationError(
                {"person": _("Choose someone other than %(holder)s.") % {"holder": holder}}
            )
        refused = [f for f in follow_ups if not can_take_over_follow_up(person, f)]
        if refused:
            offices = sorted({str(f.review.office) for f in refused})
            raise ValidationError(
                {
                    "person": ngettext(
                        "%(person)s cannot take over %(count)d of these follow-ups "
                        "(only OPCC staff of %(offices)s can): nothing was handed over.",
                        "%(person)s cannot take over %(count)d of these follow-ups "
                        "(only OPCC staff of %(offices)s can): nothing was handed over.",
                        len(refused),
                    )
                    % {"person": person, "count": len(refused), "offices": ", ".join(offices)}
                }
            )
        for follow_up in follow_ups:
            follow_up.owner = person
            follow_up._history_user = by
            follow_up.save()
    return follow_ups
