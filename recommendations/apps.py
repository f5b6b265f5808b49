from django.apps import AppConfig
from django.db.models.signals import post_migrate


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = "Recommendations and action plans"

    def ready(self):
        # Reminders (issue 5): the action page shows who was told when, and the beat
        # schedule's rows exist after migrate so administrators can see and change them.
        from oversight.celery import beat_schedule_install_after_migrate
        from oversight.shared import panels
        from recommendations.reminders import reminder_chain_panel

        panels.register(
            "action_detail",
            template="recommendations/_reminder_chain.html",
            context=reminder_chain_panel,
            order=80,
        )
        post_migrate.connect(
            beat_schedule_install_after_migrate, sender=self, dispatch_uid="beat_schedule"
        )

        # Action plans (issue 4): the dashboard shows what waits for an OPCC decision; it
        # is the dashboard's own (recommendations.selectors.dashboard_for), not a panel,
        # so its total also feeds the "updates to review" tile without a second count.

        # Letters (issue 6): the report page lists its letters and offers to write them.
        from recommendations.letters import report_letters_panel

        panels.register(
            "report_detail",
            template="recommendations/letters/_report_panel.html",
            context=report_letters_panel,
            order=40,
        )
