from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Deep dives and investments"

    def ready(self):
        # Panels on the recommendation, report, dashboard and "my actions" pages (issue 7).
        from reviews.panels import register_panels

        register_panels()

        # Deep-dive assurance and investments in the formal letters (issue 7).
        from reviews.letters import register_letter_sections

        register_letter_sections()

        # Follow-up and revisit dates for the reminder sweep (issue 5).
        from recommendations.reminders import register_provider
        from reviews.reminders import LABELS, review_due_items

        register_provider("reviews", review_due_items, labels=LABELS)
