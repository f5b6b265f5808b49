from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = "Recommendations and action plans"

    def ready(self):
        # The panel on a person's page: what a leaver leaves in the action plans.
        from recommendations.panels import register_panels

        register_panels()
