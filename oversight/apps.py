from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OversightConfig(AppConfig):
    name = "oversight"
    verbose_name = "Inspections and organisations"

    def ready(self):
        from oversight.cache_scopes import register_placements
        from oversight.celery import beat_schedule_install_after_migrate
        from oversight.roles import roles_ensure_groups_after_migrate
        from oversight.shared import pagecache

        # Groups need the permissions Django creates after migrating each app; the
        # handler acts once the last of the project's apps has its permissions.
        post_migrate.connect(roles_ensure_groups_after_migrate, dispatch_uid="roles_groups")
        # The periodic-task rows exist after migrate so administrators can see and change them.
        post_migrate.connect(
            beat_schedule_install_after_migrate, sender=self, dispatch_uid="beat_schedule"
        )
        pagecache.connect_signals()
        # Which force or office a change belongs to, so it drops only those pages.
        register_placements()
