"""Nothing internal reaches the public site.

The demo scenario is loaded as `seed_demo` loads it (which publishes the child protection
report and its section 55 response), then the data moves on without being published
again: a draft public summary, a recommendation reworded, a draft letter. Every text value
of every record of the domain (people's names and addresses, notes, actions, updates,
evidence names, return reasons, review comments, reviews, reminders, letters' wording,
other reports and their recommendations, drafts) is then searched for in every public
response: each page, the feed, the sitemap, the CSV, the JSON and the schema, and the
"not found" pages of what is not published; in English and in Welsh (/cy/public/...). A
value is left out only when the published snapshot itself holds it (a published
recommendation's text is public, of course).

The published letter's PDF is not searched: it is published whole, by choice, and says
what the issued letter says (its actions and progress included); staff read it before
publishing it.
"""

import html
import io
import json
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import translation

from letters.models import Letter, PublishedLetter, PublishedReport
from letters.services import letter_create, letter_update
from letters.services_public import public_summaries_save
from oversight.models import InspectionReport, Office, User
from oversight.shared.concurrency import version_of
from recommendations.models import Rag, Recommendation

# Shorter values (references, codes, "Open") are not distinctive enough to search for.
MIN_LENGTH = 12


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A Welsh page leaves Welsh active in this thread (the middleware activates the
    address's language and nothing deactivates it): later tests expect English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


PUBLIC_MODELS = {PublishedReport, PublishedLetter}
APPS = ("oversight", "accounts", "recommendations", "reviews", "letters", "reminders")
LIVE_TEXT = "Within three months the force should track every case, reworded since."
DRAFT_SUMMARY = "A new draft summary nobody has published yet."
DRAFT_OPENING = "An opening paragraph still being drafted by the office."


def _text_fields(model) -> list[str]:
    return [
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField) and not field.choices
    ]


def internal_values() -> set[str]:
    """Every text value of the domain's records (each line of a longer one), as stored."""
    values = set()
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            if model in PUBLIC_MODELS or model._meta.model_name == "publishedrecommendation":
                continue
            fields = _text_fields(model)
            if not fields:
                continue
            for row in model.objects.values_list(*fields):
                for value in row:
                    for line in str(value or "").splitlines():
                        if len(line.strip()) >= MIN_LENGTH:
                            values.add(line.strip())
    return values


def published_values() -> list[str]:
    """What the live publications and letters show: public by being published."""
    shown = []
    for publication in PublishedReport.objects.prefetch_related("recommendations"):
        shown += [publication.title, publication.force_name, publication.source_url]
        shown += [publication.office.name, publication.office.slug]
        for row in publication.recommendations.all():
            shown += [row.text, row.public_summary]
    for published in PublishedLetter.objects.select_related("letter"):
        shown += [published.letter.reference, published.letter.checksum]
    return [value for value in shown if value]


def people() -> list[str]:
    names = []
    for user in User.objects.all():
        names += [user.get_full_name(), user.email]
    return [name for name in names if len(name) >= 6]


def forms_of(value: str) -> set[str]:
    """How a value would appear in HTML, XML, JSON or CSV."""
    return {
        value,
        html.escape(value),
        html.escape(value, quote=False),
        html.escape(html.escape(value)),  # an Atom summary is HTML inside XML
        json.dumps(value, ensure_ascii=False)[1:-1],
        value.replace('"', '""'),
    }


@pytest.fixture
def demo(db):
    call_command("seed_demo", quiet_logins=True, stdout=io.StringIO())
    office = Office.objects.get(slug="devon-and-cornwall-opcc")
    report = InspectionReport.objects.get(title__startswith="National child protection")
    opcc = User.objects.get(username="opcc")
    # The data moves on after publishing; none of it is published again.
    r2 = Recommendation.objects.get(report=report, reference="R2")
    public_summaries_save(office=office, report=report, by=opcc, summaries={r2.pk: DRAFT_SUMMARY})
    r2.text = LIVE_TEXT
    r2.save()
    draft = letter_create(report=report, kind=Letter.Kind.FORMAL_RESPONSE, user=opcc)
    letter_update(
        letter=draft, user=opcc, expected_version=version_of(draft), opening=DRAFT_OPENING
    )
    return office, report


def public_responses(office: Office, report: InspectionReport) -> dict[str, str]:
    client = Client()
    slug = office.slug
    urls = [
        reverse("public:index"),
        reverse("public:office", args=[slug]),
        reverse("public:report", args=[slug, report.pk]),
        reverse("public:data", args=[slug]),
        reverse("public:data_csv", args=[slug]),
        reverse("public:data_json", args=[slug]),
        reverse("public:feed", args=[slug]),
        reverse("public:sitemap"),
        reverse("public:schema"),
    ]
    missing = [
        *(
            reverse("public:report", args=[slug, other.pk])
            for other in InspectionReport.objects.exclude(pk=report.pk)
        ),
        *(
            reverse("public:letter_pdf", args=[slug, letter.pk])
            for letter in Letter.objects.exclude(pk__in=PublishedLetter.objects.values("letter"))
        ),
        *(
            reverse("public:office", args=[other.slug])
            for other in Office.objects.exclude(pk=office.pk).exclude(slug=None)
        ),
    ]
    # And each again in Welsh, at /cy/public/... (the same snapshot, other fixed wording).
    urls += [f"/cy{url}" for url in urls]
    missing += [f"/cy{url}" for url in missing]
    texts = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        texts[url] = response.content.decode()
    for url in missing:
        response = client.get(url)
        assert response.status_code == 404, url
        texts[url] = response.content.decode()
    return texts


def test_no_public_response_shows_anything_internal(demo):
    office, report = demo
    responses = public_responses(office, report)
    published = published_values()
    secrets = {
        value for value in internal_values() if not any(value in shown for shown in published)
    }
    # The test has teeth: the moved-on data and the people are among what is searched for.
    assert {LIVE_TEXT, DRAFT_SUMMARY, DRAFT_OPENING} <= secrets
    assert any("high-tech crime unit" in value for value in secrets)  # action descriptions
    assert len(secrets) > 100
    names = people()
    assert len(names) > 10
    # RAG as any page of the site shows it: its labels, in capitals on letters, its classes.
    labels = [str(label) for label in Rag.labels]
    with translation.override("cy"):
        labels += [str(label) for label in Rag.labels]
    labels += [label.upper() for label in labels]
    alternatives = "|".join(re.escape(label) for label in labels)
    rag = re.compile(rf"\b(?:{alternatives})\b|rag-")
    leaks = []
    for url, text in responses.items():
        leaks += [
            f"{url}: {value!r}"
            for value in secrets
            if any(form in text for form in forms_of(value))
        ]
        leaks += [
            f"{url}: person {name!r}"
            for name in names
            if any(re.search(rf"\b{re.escape(form)}\b", text) for form in forms_of(name))
        ]
        leaks += [f"{url}: RAG {match!r}" for match in set(rag.findall(text))]
    assert not leaks, f"{len(leaks)} internal values in public responses:\n" + "\n".join(leaks)
