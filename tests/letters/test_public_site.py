"""The office's public site: publishing (a snapshot, again only when staff publish again,
withdrawing), the public pages (only what was published, cacheable, no per-user data, a
fixed number of queries), the Atom feed, the sitemap and the open data with its schema."""

import csv
import datetime
import hashlib
import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from letters import services_public
from letters.models import Letter, PublicSummary, PublishedLetter, PublishedReport
from letters.open_data import COLUMNS, LICENCE
from letters.public_snapshot import live_snapshot
from oversight.models import User
from oversight.shared.concurrency import StaleEditError
from recommendations.services import recommendation_transition
from tests import factories

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A Welsh page leaves Welsh active in this thread (the middleware activates the
    address's language and nothing deactivates it): later tests expect English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def issued_letter(report, by: User, kind=Letter.Kind.SECTION_55, text="Issued") -> Letter:
    """An issued letter with a small PDF (the letter tests render real ones)."""
    pdf = factories.tiny_pdf(text)
    letter = factories.LetterFactory(report=report, kind=kind)
    letter.issued_pdf.save(f"issued-{letter.pk}.pdf", ContentFile(pdf), save=False)
    letter.status = Letter.Status.ISSUED
    letter.checksum = hashlib.sha256(pdf).hexdigest()
    letter.snapshot = {}
    letter.issued_at = timezone.now()
    letter.issued_by = by
    letter.save()
    return letter


def summaries_for(report, text="Progress is reported each month.") -> dict[int, str]:
    return {pk: f"{text} ({pk})" for pk in report.recommendations.values_list("pk", flat=True)}


def publish(office, report, by, summaries=None) -> PublishedReport:
    return services_public.report_publish(
        office=office,
        report=report,
        by=by,
        summaries=summaries or summaries_for(report),
        expected_digest=live_snapshot(office=office, report=report).digest,
    )


@pytest.fixture
def report(report_a):
    factories.RecommendationFactory(
        report=report_a, reference="R1", position=1, text="Track every missing child."
    )
    factories.RecommendationFactory(
        report=report_a,
        reference="AFI1",
        position=2,
        kind="afi",
        text="Improve how the voice of the child is recorded.",
    )
    report_a.source_url = "https://www.justiceinspectorates.gov.uk/hmicfrs/report-a/"
    report_a.save()
    return report_a


@pytest.fixture
def published(office_a, report, opcc_staff):
    return publish(office_a, report, opcc_staff)


def public_urls(office, report_id) -> list[str]:
    slug = office.slug
    return [
        reverse("public:index"),
        reverse("public:office", args=[slug]),
        reverse("public:report", args=[slug, report_id]),
        reverse("public:data", args=[slug]),
        reverse("public:data_csv", args=[slug]),
        reverse("public:data_json", args=[slug]),
        reverse("public:feed", args=[slug]),
        reverse("public:sitemap"),
        reverse("public:schema"),
    ]


# --- Publishing -------------------------------------------------------------------------


def test_nothing_is_public_until_staff_publish(client, office_a, report, opcc_staff):
    PublicSummary.objects.create(
        office=office_a,
        recommendation=report.recommendations.first(),
        text="A draft nobody may read yet.",
        updated_by=opcc_staff,
    )
    for url in [
        reverse("public:office", args=[office_a.slug]),
        reverse("public:report", args=[office_a.slug, report.pk]),
        reverse("public:data_csv", args=[office_a.slug]),
        reverse("public:feed", args=[office_a.slug]),
    ]:
        assert client.get(url).status_code == 404, url
    assert office_a.name not in client.get(reverse("public:index")).text


def test_published_report_shows_its_public_fields(client, office_a, report, published):
    page = client.get(reverse("public:report", args=[office_a.slug, report.pk]))
    assert page.status_code == 200
    for shown in [
        report.title,
        "Force A Police",
        "Track every missing child.",
        "Improve how the voice of the child is recorded.",
        "Area for improvement",
        "Progress is reported each month.",
        "Open",
        "HMICFRS status",
        "Awaiting review",
        report.source_url,
    ]:
        assert shown in page.text, shown
    assert published.version == 1 and published.recommendations.count() == 2


def test_a_live_change_shows_only_when_published_again(
    client, office_a, report, published, opcc_staff
):
    rec = report.recommendations.get(reference="R1")
    rec.text = "Track every missing child, reworded."
    rec.save()
    recommendation_transition(recommendation=rec, to_status="in_progress", by=opcc_staff)
    PublicSummary.objects.filter(recommendation=rec).update(text="A newer draft.")
    url = reverse("public:report", args=[office_a.slug, report.pk])
    before = client.get(url).text
    assert "Track every missing child." in before
    assert "reworded" not in before and "A newer draft." not in before
    assert "In progress" not in before

    # The publish page lists what publishing again would change.
    staff = Client()
    staff.force_login(opcc_staff)
    form = staff.get(reverse("letters:public_report", args=[report.pk]))
    changes = {(c.where, c.what) for c in form.context["changes"]}
    assert {("R1", "Text"), ("R1", "Status"), ("R1", "Public summary")} <= changes
    assert "Publish again" in form.text

    again = publish(
        office_a,
        report,
        opcc_staff,
        {rec.pk: "A newer draft."}
        | {pk: text for pk, text in summaries_for(report).items() if pk != rec.pk},
    )
    after = client.get(url).text
    assert again.version == 2
    assert "reworded" in after and "A newer draft." in after and "In progress" in after
    published.refresh_from_db()
    assert published.replaced_at is not None  # kept in the history
    assert PublishedReport.objects.filter(report=report).count() == 2


def test_withdrawn_report_and_its_letters_give_404(client, office_a, report, published, opcc_staff):
    letter = issued_letter(report, opcc_staff)
    services_public.letter_publish(office=office_a, letter=letter, by=opcc_staff)
    pdf = reverse("public:letter_pdf", args=[office_a.slug, letter.pk])
    assert client.get(pdf).status_code == 200

    services_public.report_withdraw(office=office_a, report=report, by=opcc_staff)

    assert client.get(reverse("public:report", args=[office_a.slug, report.pk])).status_code == 404
    assert client.get(pdf).status_code == 404
    assert client.get(reverse("public:office", args=[office_a.slug])).status_code == 404
    row = PublishedLetter.objects.get(letter=letter)
    assert row.withdrawn_by == opcc_staff  # withdrawn with its report, and kept

    publish(office_a, report, opcc_staff)  # back, without the letter
    assert client.get(reverse("public:report", args=[office_a.slug, report.pk])).status_code == 200
    assert client.get(pdf).status_code == 404


def test_withdrawn_letter_gives_404_and_its_pdf_is_the_issued_one(
    client, office_a, report, published, opcc_staff
):
    letter = issued_letter(report, opcc_staff, text="The issued letter")
    services_public.letter_publish(office=office_a, letter=letter, by=opcc_staff)
    url = reverse("public:letter_pdf", args=[office_a.slug, letter.pk])
    response = client.get(url)
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == letter.checksum
    page = client.get(reverse("public:report", args=[office_a.slug, report.pk])).text
    assert letter.checksum in page and url in page

    services_public.letter_withdraw(office=office_a, letter=letter, by=opcc_staff)
    assert client.get(url).status_code == 404
    assert (
        letter.checksum
        not in client.get(reverse("public:report", args=[office_a.slug, report.pk])).text
    )


def test_a_draft_letter_or_one_of_an_unpublished_report_is_refused(
    office_a, report, report_a_other, opcc_staff
):
    draft = factories.LetterFactory(report=report)
    with pytest.raises(ValidationError, match="issue it first"):
        services_public.letter_publish(office=office_a, letter=draft, by=opcc_staff)
    other = issued_letter(report_a_other, opcc_staff)
    with pytest.raises(ValidationError, match="Publish the report"):
        services_public.letter_publish(office=office_a, letter=other, by=opcc_staff)
    assert not PublishedLetter.objects.exists()


@pytest.fixture
def report_a_other(force_a):
    report = factories.InspectionReportFactory(force=force_a, title="Custody in force A")
    factories.RecommendationFactory(report=report, reference="R1")
    return report


def test_publishing_needs_every_summary_and_saves_nothing_otherwise(office_a, report, opcc_staff):
    first = report.recommendations.get(reference="R1")
    with pytest.raises(ValidationError) as refused:
        publish(office_a, report, opcc_staff, {first.pk: "Only one written."})
    afi = report.recommendations.get(reference="AFI1")
    assert refused.value.message_dict == {
        f"summary_{afi.pk}": [
            "Write the public summary of AFI1: in plain words, what has been done and what "
            "is still to do."
        ]
    }
    assert not PublishedReport.objects.exists()
    assert not PublicSummary.objects.exists()  # not even the one written


def test_publishing_what_changed_after_the_page_was_opened_is_refused(office_a, report, opcc_staff):
    digest = live_snapshot(office=office_a, report=report).digest
    rec = report.recommendations.get(reference="R1")
    recommendation_transition(recommendation=rec, to_status="in_progress", by=opcc_staff)
    with pytest.raises(StaleEditError, match="changed after you opened this page"):
        services_public.report_publish(
            office=office_a,
            report=report,
            by=opcc_staff,
            summaries=summaries_for(report),
            expected_digest=digest,
        )
    assert not PublishedReport.objects.exists()


def test_a_report_with_no_recommendations_is_not_published(office_a, force_a, opcc_staff):
    empty = factories.InspectionReportFactory(force=force_a)
    with pytest.raises(ValidationError, match="no recommendations yet"):
        publish(office_a, empty, opcc_staff, {})


def test_an_office_without_a_public_address_cannot_publish(office_a, report, opcc_staff):
    office_a.slug = None
    office_a.save()
    with pytest.raises(ValidationError, match="no public address"):
        publish(office_a, report, opcc_staff)


@pytest.mark.parametrize(
    "persona", ["read_only", "plan_owner_a", "police_lead_a", "partner_lead", "opcc_staff_b"]
)
def test_only_the_office_staff_publish(request, office_a, report, persona):
    user = request.getfixturevalue(persona)
    office = user.office or office_a
    with pytest.raises(PermissionDenied):
        publish(office, report, user)
    with pytest.raises(PermissionDenied):
        services_public.public_summaries_save(
            office=office, report=report, by=user, summaries=summaries_for(report)
        )
    assert not PublishedReport.objects.exists()


# --- The publish page -----------------------------------------------------------------------


def _form_data(report, digest, action="publish", text="For the public."):
    data = {"action": action, "digest": digest}
    for pk in report.recommendations.values_list("pk", flat=True):
        data[f"summary_{pk}"] = text
    return data


def test_publish_page_saves_drafts_without_publishing(client, office_a, report, opcc_staff):
    client.force_login(opcc_staff)
    url = reverse("letters:public_report", args=[report.pk])
    digest = client.get(url).context["form"].initial["digest"]
    response = client.post(url, _form_data(report, digest, action="save"))
    assert response.status_code == 302
    assert PublicSummary.objects.filter(text="For the public.").count() == 2
    assert not PublishedReport.objects.exists()


def test_publish_page_publishes(client, office_a, report, opcc_staff):
    client.force_login(opcc_staff)
    url = reverse("letters:public_report", args=[report.pk])
    digest = client.get(url).context["form"].initial["digest"]
    response = client.post(url, _form_data(report, digest), follow=True)
    assert "Published (version 1)" in response.text
    assert PublishedReport.objects.get().published_by == opcc_staff


def test_publish_page_says_which_summary_is_missing_and_keeps_what_was_typed(
    client, office_a, report, opcc_staff
):
    client.force_login(opcc_staff)
    url = reverse("letters:public_report", args=[report.pk])
    digest = client.get(url).context["form"].initial["digest"]
    data = _form_data(report, digest, text="")
    first = report.recommendations.get(reference="R1")
    data[f"summary_{first.pk}"] = "Typed and kept."
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Write the public summary of AFI1" in response.text
    assert "Typed and kept." in response.text
    assert not PublicSummary.objects.exists()


def test_publish_page_refuses_a_stale_publish_with_409_and_a_fresh_digest(
    client, office_a, report, opcc_staff
):
    client.force_login(opcc_staff)
    url = reverse("letters:public_report", args=[report.pk])
    digest = client.get(url).context["form"].initial["digest"]
    rec = report.recommendations.get(reference="R1")
    recommendation_transition(recommendation=rec, to_status="in_progress", by=opcc_staff)
    response = client.post(url, _form_data(report, digest))
    assert response.status_code == 409
    fresh = response.context["form"].data["digest"]
    assert fresh == live_snapshot(office=office_a, report=report).digest
    assert client.post(url, _form_data(report, fresh)).status_code == 302


def test_public_site_page_lists_reports_and_letters_with_their_state(
    client, office_a, report, published, opcc_staff, read_only
):
    issued_letter(report, opcc_staff)
    client.force_login(read_only)
    page = client.get(reverse("letters:public_site"))
    assert page.status_code == 200
    assert "Published" in page.text and "section 55 response" in page.text
    assert reverse("letters:public_report", args=[report.pk]) not in page.text  # reads only


def test_too_long_a_summary_is_refused_next_to_it(client, office_a, report, opcc_staff):
    client.force_login(opcc_staff)
    url = reverse("letters:public_report", args=[report.pk])
    digest = client.get(url).context["form"].initial["digest"]
    response = client.post(url, _form_data(report, digest, action="save", text="x" * 2001))
    assert response.status_code == 400
    assert "Shorten this summary to 2000 characters or fewer (it has 2001)" in response.text


# --- The public pages: cacheable, the same for everybody -----------------------------------


def test_public_responses_are_cacheable_and_carry_nothing_of_the_visitor(
    office_a, report, published, opcc_staff
):
    letter = issued_letter(report, opcc_staff)
    services_public.letter_publish(office=office_a, letter=letter, by=opcc_staff)
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(opcc_staff)
    urls = [
        *public_urls(office_a, report.pk),
        reverse("public:letter_pdf", args=[office_a.slug, letter.pk]),
    ]
    for url in urls:
        bodies = []
        for client in (anonymous, signed_in):
            response = client.get(url)
            assert response.status_code == 200, url
            assert response["Cache-Control"] == "public, max-age=300", url
            assert "Cookie" not in response.get("Vary", ""), url
            assert not response.cookies, url
            assert "Set-Cookie" not in str(response.serialize_headers()), url
            bodies.append(
                b"".join(response.streaming_content) if response.streaming else response.content
            )
        assert bodies[0] == bodies[1], f"{url} differs for a signed-in visitor"
        assert opcc_staff.username.encode() not in bodies[1]
        assert b"csrfmiddlewaretoken" not in bodies[1]


def test_public_pages_never_read_the_session(office_a, report, published, monkeypatch):
    from django.contrib.sessions.backends.base import SessionBase

    read = []
    session = SessionBase._session

    def spy(self):
        read.append(True)
        return session.fget(self)

    monkeypatch.setattr(SessionBase, "_session", property(spy))
    for url in public_urls(office_a, report.pk):
        Client().get(url)
    assert read == []
    Client().get(reverse("login"))  # the spy works: a page of the site proper reads it
    assert read


def test_public_pages_answer_only_get(client, office_a, published):
    assert client.post(reverse("public:office", args=[office_a.slug])).status_code == 405
    assert client.post(reverse("public:feed", args=[office_a.slug])).status_code == 405


def _queries(url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = Client().get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(captured)


def _grow(office, force, staff, n: int) -> None:
    """n more published reports, each with recommendations and a published letter."""
    for i in range(n):
        report = factories.InspectionReportFactory(force=force, title=f"Grown report {i}")
        for j in range(3):
            factories.RecommendationFactory(report=report, reference=f"R{j + 1}", position=j)
        publish(office, report, staff)
        letter = issued_letter(report, staff)
        services_public.letter_publish(office=office, letter=letter, by=staff)


def test_public_pages_run_a_fixed_number_of_queries(
    office_a, force_a, report, published, opcc_staff
):
    letter = issued_letter(report, opcc_staff)
    services_public.letter_publish(office=office_a, letter=letter, by=opcc_staff)
    urls = public_urls(office_a, report.pk) + [
        reverse("public:letter_pdf", args=[office_a.slug, letter.pk])
    ]
    small = {url: _queries(url) for url in urls}
    _grow(office_a, force_a, opcc_staff, 4)
    publish(office_a, report, opcc_staff)  # a second version of the first report
    large = {url: _queries(url) for url in urls}
    assert small == large
    slug = office_a.slug
    assert large == {
        reverse("public:index"): 1,  # offices with a live publication
        # the office; its live publications with their counts; its letters
        reverse("public:office", args=[slug]): 3,
        # the office; the publication (with when first published); its recommendations;
        # its letters
        reverse("public:report", args=[slug, report.pk]): 4,
        reverse("public:data", args=[slug]): 2,  # the office; when last published
        reverse("public:data_csv", args=[slug]): 2,  # the office; the rows
        reverse("public:data_json", args=[slug]): 2,
        # the office; its publications (first published, counts); letters; when shown
        reverse("public:feed", args=[slug]): 4,
        reverse("public:sitemap"): 2,  # offices; live publications
        reverse("public:schema"): 0,
        reverse("public:letter_pdf", args=[slug, letter.pk]): 2,  # the office; the letter
    }


def test_public_site_page_runs_a_fixed_number_of_queries(
    client, office_a, force_a, report, published, opcc_staff
):
    client.force_login(opcc_staff)
    url = reverse("letters:public_site")
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _grow(office_a, force_a, opcc_staff, 3)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(small) == len(large)


# --- Feed, sitemap, open data -----------------------------------------------------------


def test_feed_is_atom_with_each_report_and_letter(client, office_a, report, published, opcc_staff):
    letter = issued_letter(report, opcc_staff)
    services_public.letter_publish(office=office_a, letter=letter, by=opcc_staff)
    response = client.get(reverse("public:feed", args=[office_a.slug]))
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    titles = [entry.findtext(f"{ATOM}title") for entry in entries]
    assert titles == [f"PCC's section 55 response: {report.title}", report.title]
    ids = [entry.findtext(f"{ATOM}id") for entry in entries]
    assert ids[1] == f"http://testserver/public/{office_a.slug}/reports/{report.pk}/"
    assert ids[0].endswith(f"#letter-{letter.pk}")


def test_public_pages_link_the_feed_and_the_sitemap(client, office_a, report, published):
    page = client.get(reverse("public:report", args=[office_a.slug, report.pk])).text
    assert 'type="application/atom+xml"' in page
    assert f'href="{reverse("public:feed", args=[office_a.slug])}"' in page
    assert 'rel="sitemap" type="application/xml" title="Sitemap" href="/public/sitemap.xml"' in page


def test_sitemap_lists_every_public_page(
    client, office_a, report, published, office_b, report_b, opcc_staff_b
):
    factories.RecommendationFactory(report=report_b, reference="R1")
    withdrawn = publish(office_b, report_b, opcc_staff_b)
    services_public.report_withdraw(office=office_b, report=report_b, by=opcc_staff_b)
    sitemap = ET.fromstring(client.get(reverse("public:sitemap")).content)
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locations = [url.findtext(f"{namespace}loc") for url in sitemap.findall(f"{namespace}url")]
    slug = office_a.slug
    english = [
        "http://testserver/public/",
        f"http://testserver/public/{slug}/",
        f"http://testserver/public/{slug}/data/",
        f"http://testserver/public/{slug}/reports/{report.pk}/",
    ]
    welsh = [url.replace("/public/", "/cy/public/") for url in english]
    assert locations == [url for pair in zip(english, welsh, strict=True) for url in pair]
    assert withdrawn.office.slug not in str(locations)
    # Each address names its twin in the other language, and itself.
    xhtml = "{http://www.w3.org/1999/xhtml}"
    for url in sitemap.findall(f"{namespace}url"):
        alternates = {
            link.get("hreflang"): link.get("href") for link in url.findall(f"{xhtml}link")
        }
        location = url.findtext(f"{namespace}loc")
        assert alternates["cy"] == location.replace("/public/", "/cy/public/").replace(
            "/cy/cy/", "/cy/"
        )
        assert alternates["en-GB"] == location.replace("/cy/public/", "/public/")


# --- In Welsh (Cymraeg): the same pages at /cy/public/... -----------------------------------


def test_welsh_pages_are_in_welsh_with_a_switch_and_alternates(client, office_a, report, published):
    english = reverse("public:report", args=[office_a.slug, report.pk])
    welsh = f"/cy{english}"
    page = client.get(welsh)
    assert page.status_code == 200
    text = page.content.decode()
    assert '<html lang="cy">' in text
    assert "Argymhellion a chynnydd" in text  # "Recommendations and progress"
    assert report.title in text  # what was published, as it was written
    # The switch goes to the English twin, and from there back.
    assert f'<a href="{english}" hreflang="en-GB" lang="en-GB">English</a>' in text
    back = client.get(english).content.decode()
    assert '<html lang="en-GB">' in back
    assert f'<a href="{welsh}" hreflang="cy" lang="cy">Cymraeg</a>' in back
    for body in (text, back):
        assert f'<link rel="alternate" hreflang="cy" href="http://127.0.0.1:8000{welsh}">' in body
        assert (
            f'<link rel="alternate" hreflang="en-GB" href="http://127.0.0.1:8000{english}">' in body
        )


def test_every_welsh_page_is_cacheable_without_cookies(client, office_a, report, published):
    for url in public_urls(office_a, report.pk):
        response = client.get(f"/cy{url}")
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "public, max-age=300", url
        assert "Cookie" not in response.get("Vary", ""), url
        assert not response.cookies, url
        assert "Set-Cookie" not in str(response.serialize_headers()), url
    # A Welsh "not found" is in Welsh too, and sets nothing either.
    missing = client.get(f"/cy/public/{office_a.slug}/reports/0/")
    assert missing.status_code == 404
    assert '<html lang="cy">' in missing.content.decode()
    assert not missing.cookies


def test_welsh_feed_and_data_page(client, office_a, report, published):
    feed = ET.fromstring(client.get(f"/cy/public/{office_a.slug}/feed.atom").content)
    assert feed.findtext(f"{ATOM}title") == f"{office_a.name}: adroddiadau arolygu ac ymatebion"
    ids = [entry.findtext(f"{ATOM}id") for entry in feed.findall(f"{ATOM}entry")]
    assert ids == [f"http://testserver/cy/public/{office_a.slug}/reports/{report.pk}/"]
    data = client.get(f"/cy/public/{office_a.slug}/data/").content.decode()
    assert '<h1 class="h2">Data agored</h1>' in data
    assert "<code>status_label</code>" in data  # the field names stay as they are
    # The files and the schema are the same in both languages.
    for url in [
        f"/public/{office_a.slug}/data/recommendations.csv",
        f"/public/{office_a.slug}/data/recommendations.json",
        "/public/recommendations.schema.json",
    ]:
        assert client.get(f"/cy{url}").content == client.get(url).content, url


def test_open_data_follows_its_schema(client, office_a, report, published):
    schema = client.get(reverse("public:schema")).json()
    names = [field["name"] for field in schema["fields"]]
    assert names == [column.name for column in COLUMNS]
    assert schema["licenses"] == [LICENCE]

    document = client.get(reverse("public:data_json", args=[office_a.slug])).json()
    assert document["licence"]["title"] == "Open Government Licence v3.0"
    records = document["recommendations"]
    assert [r["reference"] for r in records] == ["R1", "AFI1"]
    csv_response = client.get(reverse("public:data_csv", args=[office_a.slug]))
    assert 'rel="license"' in csv_response["Link"] and LICENCE["path"] in csv_response["Link"]
    rows = list(csv.DictReader(io.StringIO(csv_response.content.decode())))
    assert list(rows[0]) == names
    for record, row in zip(records, rows, strict=True):
        assert list(record) == names
        for field in schema["fields"]:
            value = record[field["name"]]
            assert row[field["name"]] == ("" if value is None else str(value))
            constraints = field.get("constraints", {})
            if constraints.get("required"):
                assert value not in (None, ""), field["name"]
            if value is not None and "enum" in constraints:
                assert value in constraints["enum"], field["name"]
            if value is not None and field["type"] == "date":
                datetime.date.fromisoformat(value)
            if value is not None and field["type"] == "datetime":
                datetime.datetime.fromisoformat(value)
    assert records[0]["public_summary"].startswith("Progress is reported each month.")
    assert records[0]["page_url"].endswith(
        f"/public/{office_a.slug}/reports/{report.pk}/#recommendation-{report.recommendations.get(reference='R1').pk}"
    )


def test_open_data_cells_cannot_run_as_formulas(client, office_a, report, opcc_staff):
    rec = report.recommendations.get(reference="R1")
    publish(office_a, report, opcc_staff, {**summaries_for(report), rec.pk: '=HYPERLINK("x")'})
    body = client.get(reverse("public:data_csv", args=[office_a.slug])).content.decode()
    assert "'=HYPERLINK" in body
    assert (
        json.loads(client.get(reverse("public:data_json", args=[office_a.slug])).content)[
            "recommendations"
        ][0]["public_summary"]
        == '=HYPERLINK("x")'
    )


def test_data_page_describes_every_field_and_the_licence(client, office_a, published):
    page = client.get(reverse("public:data", args=[office_a.slug])).text
    for column in COLUMNS:
        assert f"<code>{column.name}</code>" in page
    assert "Open Government Licence v3.0" in page


def test_index_lists_offices_with_something_published(client, office_a, office_b, published):
    page = client.get(reverse("public:index")).text
    assert office_a.name in page and office_b.name not in page


# --- The office's public address --------------------------------------------------------


def test_office_slug_is_worked_out_from_the_name():
    import importlib

    migration = importlib.import_module("oversight.migrations.0009_office_slug")
    taken = set()
    assert (
        migration.office_slug(
            "Office of the Police and Crime Commissioner for Devon, Cornwall and the Isles "
            "of Scilly",
            taken,
        )
        == "devon-cornwall-and-the-isles-of-scilly-opcc"
    )
    assert (
        migration.office_slug("Office of the Police, Fire and Crime Commissioner for Essex", taken)
        == "essex-opcc"
    )
    assert migration.office_slug("OPCC A", taken) == "opcc-a"
    assert migration.office_slug("OPCC A", taken) == "opcc-a-2"
