from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "letters"
    verbose_name = "Formal letters"

    def ready(self):
        from letters.cache_scopes import register_placements
        from letters.panels import report_letters_panel
        from oversight.shared import panels

        panels.register(
            "report_detail",
            template="letters/_report_panel.html",
            context=report_letters_panel,
            order=40,
        )
        # Which force or office a change belongs to, so it drops only their cached pages.
        register_placements()
