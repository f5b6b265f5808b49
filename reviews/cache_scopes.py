"""Where a change to deep dives and investments belongs, for the page cache
(oversight.shared.pagecache): the reviewing or funding office, the force reviewed or
funded, and for a follow-up the person who owns it (an owner may be outside both)."""

from oversight.cache_scopes import held
from oversight.shared import pagecache
from oversight.shared.pagecache import Placement, placed
from reviews.models import (
    ActionSample,
    DeepDiveReview,
    FollowUp,
    Investment,
    LineOfEnquiry,
    ReviewEvidence,
)


def place_review(review: DeepDiveReview) -> Placement | None:
    return placed(forces=[review.force_id], offices=[review.office_id])


def place_on_review(instance, *, people=()) -> Placement | None:
    """Lines of enquiry, evidence, samples and follow-ups: their review's office and force."""
    review = held(instance, "review")
    if review is not None:
        office_id, force_id = review.office_id, review.force_id
    else:
        office_id, force_id = (
            DeepDiveReview.objects.filter(pk=instance.review_id)
            .values_list("office_id", "force_id")
            .first()
        ) or (None, None)
    if office_id is None and force_id is None:
        return None
    return placed(forces=[force_id], offices=[office_id], people=people)


def place_follow_up(follow_up: FollowUp) -> Placement | None:
    return place_on_review(follow_up, people=[follow_up.owner_id])


def place_investment(investment: Investment) -> Placement | None:
    return placed(forces=[investment.force_id], offices=[investment.office_id])


def register_placements() -> None:
    # A review's or investment's force can be corrected; a follow-up handed to someone else.
    pagecache.register(DeepDiveReview, place_review, moves=["force_id"])
    for model in (LineOfEnquiry, ReviewEvidence, ActionSample):
        pagecache.register(model, place_on_review)
    pagecache.register(FollowUp, place_follow_up, moves=["owner_id"])
    pagecache.register(Investment, place_investment, moves=["force_id"])
