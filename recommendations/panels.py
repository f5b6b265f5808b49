"""What the recommendations app shows on pages an upstream app owns (see
oversight.shared.panels): on a person's page (oversight.accounts), the actions and plans
they leave and the progress updates of theirs still waiting for OPCC review, with the
controls to hand them to someone else.
"""

from oversight.models import User
from oversight.shared import panels
from recommendations.handover import left_behind_by


def person_panel(*, user: User, obj=None) -> dict | None:
    """What the person leaves, as much as the user sees; None when there is nothing.

    Queries: live actions, plans, updates waiting for review; and, when the user may hand
    something over, whether they administer the person and who could take it on. A fixed
    number whatever the number of rows (recommendations.handover.left_behind_by).
    """
    if obj is None:
        return None
    left = left_behind_by(user, obj)
    if not left.any:
        return None
    return {
        "person": obj,
        "left": left,
        "is_leaver": not obj.is_active,
        # Item by item for a leaver; for someone still here only "hand all of them over",
        # tucked away, since their work normally moves with them or through the plan owner.
        "per_item_controls": not obj.is_active and left.can_reassign_any,
    }


def register_panels() -> None:
    panels.register(
        "person", template="recommendations/_panel_person.html", context=person_panel, order=20
    )
