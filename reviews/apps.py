from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Deep dives and investments"

    def ready(self):
        # Panels on the recommendation, report, dashboard, "my actions" and person pages.
        from reviews.cache_scopes import register_placements
        from reviews.panels import register_panels

        register_panels()
        # Which office and force a change belongs to, so it drops only their cached pages.
        register_placements()
