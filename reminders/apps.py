from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = "Reminders and notifications"

    def ready(self):
        from oversight.shared import panels
        from reminders.cache_scopes import register_placements
        from reminders.panels import reminder_chain_panel

        panels.register(
            "action_detail",
            template="reminders/_reminder_chain.html",
            context=reminder_chain_panel,
            order=80,
        )
        # A calendar link belongs to its person, so it drops only their cached pages.
        register_placements()
        # The navigation bar's count of unread notifications comes with the signed-in user.
        from oversight.auth import load_user_with
        from reminders.selectors import unread_count_expression

        load_user_with("unread_notification_count", unread_count_expression)
