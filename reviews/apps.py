from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Deep dives and investments"

    def ready(self):
        # Panels on the recommendation, report, dashboard, "my actions" and person pages.
        from reviews.panels import register_panels

        register_panels()
