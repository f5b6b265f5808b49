"""Each office gets a public address (its public site is at /public/<slug>/), filled in
from its name: "Office of the Police and Crime Commissioner for Dorset" → "dorset-opcc"."""

import re

from django.db import migrations, models
from django.utils.text import slugify

# "Office of the Police and Crime Commissioner for …", "Office of the Police, Fire and
# Crime Commissioner for …": the place is what tells offices apart.
COMMISSIONER_PREFIX = re.compile(r"^office of the .*?commissioner for (the )?", re.IGNORECASE)
MAX_LENGTH = 80


def office_slug(name: str, taken: set[str]) -> str:
    place, matched = COMMISSIONER_PREFIX.subn("", name)
    base = slugify(place)[: MAX_LENGTH - 8].strip("-") or "office"
    if matched:
        base = f"{base}-opcc"
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


def fill_slugs(apps, schema_editor):
    Office = apps.get_model("oversight", "Office")
    taken = set(Office.objects.exclude(slug=None).values_list("slug", flat=True))
    for office in Office.objects.filter(slug=None).order_by("pk"):
        office.slug = office_slug(office.name, taken)
        office.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("oversight", "0008_committee_meeting"),
    ]

    operations = [
        migrations.AddField(
            model_name="office",
            name="slug",
            field=models.SlugField(
                blank=True,
                help_text="The office's public site is at /public/<this>/, e.g. "
                "devon-and-cornwall-opcc. Lower-case letters, digits and hyphens.",
                max_length=80,
                null=True,
                unique=True,
                verbose_name="public address",
            ),
        ),
        migrations.RunPython(fill_slugs, migrations.RunPython.noop),
    ]
