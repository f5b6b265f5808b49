"""Reads for deep-dive reviews, follow-ups and investments, each scoped to the user."""

from django.db.models import Q, QuerySet

from oversight.models import User
from oversight.selectors import forces_visible_to
from reviews.models import DeepDiveReview, FollowUp, Investment, ReviewEvidence


def reviews_visible_to(user: User) -> QuerySet[DeepDiveReview]:
    """OPCC and read-only: their office's reviews; force users: reviews of their force;
    partner leads: none (they see the follow-ups they own)."""
    if not user.is_authenticated or user.is_partner:
        return DeepDiveReview.objects.none()
    if user.is_opcc:
        return DeepDiveReview.objects.filter(office=user.office_id)
    if user.is_force_user:
        return DeepDiveReview.objects.filter(force=user.force_id)
    return DeepDiveReview.objects.none()


def review_evidence_visible_to(user: User) -> QuerySet[ReviewEvidence]:
    return ReviewEvidence.objects.filter(review__in=reviews_visible_to(user).values("pk"))


def follow_ups_visible_to(user: User) -> QuerySet[FollowUp]:
    if not user.is_authenticated:
        return FollowUp.objects.none()
    return FollowUp.objects.filter(
        Q(review__in=reviews_visible_to(user).values("pk")) | Q(owner=user.pk)
    )


def investments_visible_to(user: User) -> QuerySet[Investment]:
    if not user.is_authenticated or user.is_partner:
        return Investment.objects.none()
    if user.is_opcc:
        return Investment.objects.filter(office=user.office_id)
    return Investment.objects.filter(force__in=forces_visible_to(user).values("pk"))
