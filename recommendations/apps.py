from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = "Recommendations and action plans"

    def ready(self):
        # The panel on a person's page: what a leaver leaves in the action plans.
        from recommendations.cache_scopes import register_placements
        from recommendations.panels import register_panels

        register_panels()
        # Which force a change belongs to, so it drops only that force's cached pages.
        register_placements()
        # Each force's dashboard tiles, marked stale by the changes that alter them.
        from recommendations.tallies import connect_signals

        connect_signals()
