import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from oversight.models import Force
from reviews.scale_scenario import SCALE_PASSWORD, ScaleSize, seed_scale


class Command(BaseCommand):
    help = (
        "Fill the database with national-size synthetic data (every force, years of reports) "
        "to measure speed. Use an empty database: the bench creates a throwaway one."
    )

    def add_arguments(self, parser):
        defaults = ScaleSize()
        parser.add_argument("--forces", type=int, default=defaults.forces)
        parser.add_argument("--reports", type=int, default=defaults.reports)
        parser.add_argument("--recommendations", type=int, default=defaults.recommendations)
        parser.add_argument("--actions", type=int, default=defaults.actions)
        parser.add_argument("--updates", type=int, default=defaults.updates)
        parser.add_argument("--seed", type=int, default=2015, help="Random seed (repeatable data).")

    def handle(self, *args, forces, reports, recommendations, actions, updates, seed, **options):
        if Force.objects.filter(name__startswith="Scale force").exists():
            raise CommandError(
                "Scale data is already loaded in this database. Use a fresh database "
                "(for example: createdb oversight_scale and DATABASE_URL=.../oversight_scale)."
            )
        if min(forces, reports) < 1 or reports < forces:
            raise CommandError("Give at least one report per force (--reports >= --forces >= 1).")
        size = ScaleSize(forces, reports, recommendations, actions, updates)

        def progress(done: int, total: int) -> None:
            width = 40
            filled = width * done // total
            bar = "#" * filled + "-" * (width - filled)
            sys.stderr.write(f"\r[{bar}] {done}/{total} reports")
            sys.stderr.flush()
            if done == total:
                sys.stderr.write("\n")

        result = seed_scale(size=size, seed=seed, progress=progress)
        if connection.vendor == "postgresql":
            # Fresh planner statistics: autovacuum may be off or not have caught up yet, and
            # without them the planner takes 40,000 recommendations for a handful (a register
            # read then takes minutes instead of seconds).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        summary = ", ".join(f"{n:,} {kind}" for kind, n in result.counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"Loaded {summary} in {result.seconds:.1f} s.")
            + f"\nScale users' password: {SCALE_PASSWORD} (scale-opcc-1, scale-lead-1-1, …)."
        )
