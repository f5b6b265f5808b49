"""Who may change what in the reviews app. Seeing is decided by the selectors; these say
whether a person who can see a thing may also change it (the views answer 403 if not)."""

from oversight.models import User
from reviews.models import DeepDiveReview, FollowUp, Investment


def can_manage_reviews(user: User) -> bool:
    """Only OPCC staff record deep dives, follow-ups, samples and investments."""
    return user.is_authenticated and user.is_opcc_staff


def can_edit_review(user: User, review: DeepDiveReview) -> bool:
    return can_manage_reviews(user) and review.office_id == user.office_id


def can_edit_investment(user: User, investment: Investment) -> bool:
    return can_manage_reviews(user) and investment.office_id == user.office_id


def can_update_follow_up(user: User, follow_up: FollowUp) -> bool:
    """The owner reports progress on a follow-up; OPCC staff of the reviewing office may too."""
    if not user.is_authenticated:
        return False
    if follow_up.owner_id == user.pk:
        return True
    return can_edit_review(user, follow_up.review)


def can_reassign_follow_up(user: User, follow_up: FollowUp) -> bool:
    """Hand an open follow-up to another owner (a leaver's, mostly): OPCC staff of the
    reviewing office, who may edit it anyway; an office administrator is one of them."""
    return follow_up.status in FollowUp.OPEN_STATUSES and can_edit_review(user, follow_up.review)
