from django.utils.functional import SimpleLazyObject

from reminders.selectors import reminders_for


def navigation(request):
    """What the navigation bar needs: the unread notification count, loaded with the user
    (reminders.selectors.unread_count_expression), else counted by one query run only by a
    template that shows it (a page body rendered on its own runs none)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    loaded = getattr(user, "unread_notification_count", None)
    if loaded is not None:
        return {"unread_notifications": loaded}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: reminders_for(user).filter(read_at__isnull=True).count()
        )
    }
