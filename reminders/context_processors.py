from django.utils.functional import SimpleLazyObject

from reminders.selectors import reminders_for


def navigation(request):
    """What the navigation bar needs: the unread notification count (one query, run only
    by a template that shows it: a page body rendered on its own runs none)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: reminders_for(user).filter(read_at__isnull=True).count()
        )
    }
