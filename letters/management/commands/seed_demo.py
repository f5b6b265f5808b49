from django.core.management.base import BaseCommand

from letters.demo_public import seed_public_site
from reviews.demo_content import DEMO_PASSWORD, demo_logins
from reviews.demo_scenario import seed_demo


class Command(BaseCommand):
    # Here, in the last app, so the demo can issue and publish letters as well
    # (reviews.demo_scenario loads everything else).
    help = (
        "Load the Devon & Cornwall child protection demo scenario and one user per persona, "
        "and publish the report and its section 55 response on the office's public site. "
        "Safe to run again: nothing that exists is changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the logins.")

    def handle(self, *args, quiet_logins=False, **options):
        created = seed_demo()
        created.update(seed_public_site())
        made = {kind: n for kind, n in created.items() if n}
        if made:
            summary = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in made.items())
            self.stdout.write(self.style.SUCCESS(f"Demo scenario loaded: {summary}."))
        else:
            self.stdout.write("Demo scenario already loaded; nothing changed.")
        if not quiet_logins:
            self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
            for login in demo_logins():
                self.stdout.write(f"  {login.username:<10} {login.description}")
