from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "oversight.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from oversight.accounts import audit, views_language  # noqa: F401 (its receiver)

        audit.connect_receivers()
