"""Due items from deep-dive reviews: follow-ups due and revisit dates."""

import datetime

from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from oversight.models import User
from reminders.due_items import (
    DueItem,
    content_type_id,
    ids,
    managers,
    people_by,
    short,
    subject_paths,
)
from reviews.models import DeepDiveReview, FollowUp


def _opcc_leads_by_review(reviews) -> dict[int, set]:
    """The OPCC leads of each review's priority areas, with their managers. One query."""
    return people_by(
        DeepDiveReview.priority_areas.through.objects.filter(
            deepdivereview__in=reviews.values("pk")
        ).values_list(
            "deepdivereview_id", "priorityarea__opcc_lead_id", "priorityarea__opcc_lead__manager_id"
        )
    )


def _opcc_staff_by_office(reviews) -> dict[int, set]:
    return people_by(
        User.objects.filter(
            role=User.Role.OPCC_STAFF, is_active=True, office__in=reviews.values("office")
        ).values_list("office_id", "pk", "manager_id")
    )


def review_due_items(*, today: datetime.date, horizon: datetime.date) -> list[DueItem]:
    """Open follow-ups (their owner is reminded; escalations go to the owner's manager and
    the OPCC leads of the review's priority areas, else the office's OPCC staff) and
    revisit dates of reviews that are not closed (the review's OPCC leads, else the
    office's OPCC staff, are reminded; escalations go to their managers). Four queries.
    """
    follow_up_type = content_type_id(FollowUp)
    review_type = content_type_id(DeepDiveReview)
    follow_ups = FollowUp.objects.filter(
        status__in=FollowUp.OPEN_STATUSES, due_on__lte=horizon
    ).exclude(review__status=DeepDiveReview.Status.CLOSED)
    revisits = DeepDiveReview.objects.exclude(status=DeepDiveReview.Status.CLOSED).filter(
        revisit_on__lte=horizon
    )
    reviews = DeepDiveReview.objects.filter(
        Q(pk__in=follow_ups.values("review")) | Q(pk__in=revisits.values("pk"))
    )
    area_leads = _opcc_leads_by_review(reviews)
    office_staff = _opcc_staff_by_office(reviews)
    review_path = subject_paths("reviews:review_detail")

    items = []
    for (
        pk,
        description,
        due_on,
        owner_id,
        owner_manager_id,
        review_id,
        office_id,
        theme,
    ) in follow_ups.values_list(
        "pk",
        "description",
        "due_on",
        "owner_id",
        "owner__manager_id",
        "review_id",
        "review__office_id",
        "review__theme",
    ):
        opcc = area_leads.get(review_id) or office_staff.get(office_id, set())
        review_page = review_path(review_id)
        items.append(
            DueItem(
                follow_up_type,
                pk,
                "follow_up_due",
                due_on,
                format_lazy(
                    gettext_lazy("{what} (deep dive: {theme})"),
                    what=short(description),
                    theme=short(theme, 60),
                ),
                f"{review_page}#follow-up-{pk}" if review_page else "",
                frozenset({owner_id}),
                frozenset({owner_manager_id} - {None}) | ids(opcc),
            )
        )
    for pk, theme, revisit_on, office_id, force_name in revisits.values_list(
        "pk", "theme", "revisit_on", "office_id", "force__name"
    ):
        opcc = area_leads.get(pk) or office_staff.get(office_id, set())
        items.append(
            DueItem(
                review_type,
                pk,
                "review_revisit",
                revisit_on,
                f"Deep dive: {short(theme, 60)} ({force_name})",
                review_path(pk),
                ids(opcc),
                managers(opcc),
            )
        )
    return items


LABELS = {
    "follow_up_due": gettext_lazy("Deep-dive follow-up due"),
    "review_revisit": gettext_lazy("Deep-dive revisit due"),
}
