from recommendations.selectors import reminders_for


def navigation(request):
    """What the navigation bar needs: the unread notification count (one query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": reminders_for(user).filter(read_at__isnull=True).count()}
