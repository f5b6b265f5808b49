from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OversightConfig(AppConfig):
    name = "oversight"
    verbose_name = "Inspections and organisations"

    def ready(self):
        from oversight.roles import roles_ensure_groups_after_migrate
        from oversight.shared import pagecache

        # Groups need the permissions Django creates after migrating each app; the
        # handler acts once the last of the project's apps has its permissions.
        post_migrate.connect(roles_ensure_groups_after_migrate, dispatch_uid="roles_groups")
        pagecache.connect_signals()
