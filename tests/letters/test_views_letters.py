"""The letter pages: access matrix for every URL, then what each page does."""

import pytest
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from letters import sections
from letters.models import Letter
from letters.panels import report_letters_panel
from letters.selectors import letters_visible_to
from letters.services import letter_create, letter_issue
from letters.snapshot import letter_build_snapshot
from oversight.shared import panels
from recommendations.models import Recommendation
from tests import factories

VIEWERS = ["opcc_staff", "read_only", "plan_owner_a", "police_lead_a"]
OUTSIDERS = ["police_lead_b", "partner_lead", "opcc_staff_b"]
READ_PAGES = ["letter_detail", "letter_preview", "letter_status", "letter_download"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The personas' passwords are hashed on creation; the real hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _only_own_sections(monkeypatch):
    monkeypatch.setattr(sections, "SECTIONS", ())


@pytest.fixture
def letter_a(report_a, recommendation_a, action_a):
    """A draft formal response for report A with a rendered PDF."""
    letter = factories.LetterFactory(
        report=report_a,
        reference="FR/2026/1",
        addressee="Pat Commissioner\nOPCC A",
        render_state=Letter.RenderState.READY,
    )
    letter.rendered_pdf.save("letter.pdf", ContentFile(b"%PDF-1.7\n%test\n"))
    return letter


@pytest.fixture
def s55_a(report_a, recommendation_a):
    return factories.LetterFactory(
        report=report_a, kind=Letter.Kind.SECTION_55, addressee="HM Chief Inspector"
    )


def url(name, *args):
    return reverse(f"letters:{name}", args=args)


def _as(client, user):
    client.force_login(user)
    return client


# --- Access matrix ---------------------------------------------------------------------


@pytest.mark.parametrize("persona", VIEWERS)
@pytest.mark.parametrize("name", READ_PAGES)
def test_letter_pages_open_to_everyone_who_sees_the_report(
    client, request, persona, name, letter_a
):
    response = _as(client, request.getfixturevalue(persona)).get(url(name, letter_a.pk))
    assert response.status_code == 200


@pytest.mark.parametrize("persona", VIEWERS)
def test_letter_list_open_to_everyone_who_sees_the_report(client, request, persona, letter_a):
    response = _as(client, request.getfixturevalue(persona)).get(
        url("letter_list", letter_a.report_id)
    )
    assert response.status_code == 200
    assert letter_a.reference in response.text


@pytest.mark.parametrize("persona", OUTSIDERS)
@pytest.mark.parametrize(
    "name,method",
    [
        ("letter_detail", "get"),
        ("letter_detail", "post"),
        ("letter_preview", "get"),
        ("letter_status", "get"),
        ("letter_download", "get"),
        ("letter_render", "post"),
        ("letter_issue", "post"),
    ],
)
def test_outsiders_get_404_for_a_letter(client, request, persona, name, method, letter_a):
    response = getattr(_as(client, request.getfixturevalue(persona)), method)(
        url(name, letter_a.pk)
    )
    assert response.status_code == 404


@pytest.mark.parametrize("persona", OUTSIDERS)
@pytest.mark.parametrize("name,method", [("letter_list", "get"), ("letter_create", "post")])
def test_outsiders_get_404_for_a_reports_letters(client, request, persona, name, method, letter_a):
    response = getattr(_as(client, request.getfixturevalue(persona)), method)(
        url(name, letter_a.report_id), {"kind": Letter.Kind.FORMAL_RESPONSE}
    )
    assert response.status_code == 404


def test_outsider_gets_404_comparing(client, partner_lead, letter_a):
    other = factories.LetterFactory(report=letter_a.report, version=2)
    response = _as(client, partner_lead).get(url("letter_compare", letter_a.pk, other.pk))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "name,method,on_report",
    [
        ("letter_list", "get", True),
        ("letter_create", "get", True),
        ("letter_detail", "get", False),
        ("letter_preview", "get", False),
        ("letter_render", "post", False),
        ("letter_status", "get", False),
        ("letter_download", "get", False),
        ("letter_issue", "post", False),
    ],
)
def test_anonymous_is_sent_to_sign_in(client, name, method, on_report, letter_a):
    target = url(name, letter_a.report_id if on_report else letter_a.pk)
    response = getattr(client, method)(target)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "name,method,on_report",
    [
        ("letter_list", "post", True),
        ("letter_create", "put", True),
        ("letter_detail", "delete", False),
        ("letter_preview", "post", False),
        ("letter_render", "get", False),
        ("letter_status", "post", False),
        ("letter_download", "post", False),
        ("letter_issue", "get", False),
    ],
)
def test_wrong_method_is_405(client, opcc_staff, name, method, on_report, letter_a):
    target = url(name, letter_a.report_id if on_report else letter_a.pk)
    assert getattr(_as(client, opcc_staff), method)(target).status_code == 405


def test_compare_wrong_method_is_405(client, opcc_staff, letter_a):
    other = factories.LetterFactory(report=letter_a.report, version=2)
    response = _as(client, opcc_staff).post(url("letter_compare", letter_a.pk, other.pk))
    assert response.status_code == 405


@pytest.mark.parametrize("persona", ["read_only", "police_lead_a"])
@pytest.mark.parametrize(
    "name,on_report",
    [
        ("letter_create", True),
        ("letter_detail", False),
        ("letter_render", False),
        ("letter_issue", False),
    ],
)
def test_readers_cannot_change_letters(client, request, persona, name, on_report, letter_a):
    target = url(name, letter_a.report_id if on_report else letter_a.pk)
    response = _as(client, request.getfixturevalue(persona)).post(
        target, {"kind": Letter.Kind.FORMAL_RESPONSE, "opening": "Changed."}
    )
    assert response.status_code == 403
    letter_a.refresh_from_db()
    assert letter_a.opening != "Changed."
    assert Letter.objects.count() == 1


def test_plan_owner_cannot_issue(client, plan_owner_a, letter_a):
    response = _as(client, plan_owner_a).post(url("letter_issue", letter_a.pk))
    assert response.status_code == 403
    letter_a.refresh_from_db()
    assert letter_a.status == Letter.Status.DRAFT


def test_plan_owner_cannot_reach_the_opcc_section_55_draft(client, plan_owner_a, s55_a):
    # The OPCC's draft is not the force's to see, so it is not there to edit (404, not 403).
    for name in ("letter_detail", "letter_render", "letter_issue"):
        response = _as(client, plan_owner_a).post(url(name, s55_a.pk), {"opening": "Mine."})
        assert response.status_code == 404
    s55_a.refresh_from_db()
    assert s55_a.opening != "Mine."


# --- Drafts stay with their author --------------------------------------------------------
# A draft is seen only by the organisation that writes it: the OPCC writes every letter
# (its staff and read-only members see all its drafts); the force writes the chief
# constable's formal response (its plan owner builds it), so the force's people see that
# draft too. Once issued, a letter is seen by everyone who sees the report's letters.

PERSONAS = [*VIEWERS, *OUTSIDERS]
OPCC_A = ["opcc_staff", "read_only"]
SEES = {
    (Letter.Kind.FORMAL_RESPONSE, Letter.Status.DRAFT): VIEWERS,
    (Letter.Kind.RESPONSE_REQUEST, Letter.Status.DRAFT): OPCC_A,
    (Letter.Kind.SECTION_55, Letter.Status.DRAFT): OPCC_A,
    (Letter.Kind.FORMAL_RESPONSE, Letter.Status.ISSUED): VIEWERS,
    (Letter.Kind.RESPONSE_REQUEST, Letter.Status.ISSUED): VIEWERS,
    (Letter.Kind.SECTION_55, Letter.Status.ISSUED): VIEWERS,
}


def _letter(report, author, kind, status, version=1):
    """A letter with its PDF (rendered if a draft, frozen if issued), made without
    rendering, so the matrix stays fast."""
    letter = factories.LetterFactory(
        report=report,
        kind=kind,
        version=version,
        reference=f"{kind}/{status}/v{version}",
        render_state=Letter.RenderState.READY,
    )
    if status == Letter.Status.DRAFT:
        letter.rendered_pdf.save("draft.pdf", ContentFile(factories.tiny_pdf("Draft")))
        return letter
    letter.issued_pdf.save("issued.pdf", ContentFile(factories.tiny_pdf("Issued")))
    Letter.objects.filter(pk=letter.pk).update(
        status=Letter.Status.ISSUED,
        issued_at=timezone.now(),
        issued_by=author,
        checksum="0" * 64,
        snapshot=letter_build_snapshot(letter=letter, user=author),
    )
    letter.refresh_from_db()
    return letter


@pytest.fixture
def every_letter(opcc_staff, report_a, recommendation_a, action_a):
    """Each kind issued (version 1) and in draft (version 2)."""
    return {
        (kind, status): _letter(
            report_a, opcc_staff, kind, status, version=2 if status == Letter.Status.DRAFT else 1
        )
        for kind, status in SEES
    }


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("kind", "status"), list(SEES))
def test_a_letter_is_seen_by_its_authors_and_once_issued_by_the_report_readers(
    client, request, persona, kind, status, every_letter
):
    letter = every_letter[(kind, status)]
    expected = 200 if persona in SEES[(kind, status)] else 404
    _as(client, request.getfixturevalue(persona))
    for name in READ_PAGES:
        assert client.get(url(name, letter.pk)).status_code == expected, name


@pytest.mark.parametrize("persona", PERSONAS)
def test_letters_visible_to_follows_the_draft_rule(request, persona, every_letter):
    user = request.getfixturevalue(persona)
    expected = {letter.pk for key, letter in every_letter.items() if persona in SEES[key]}
    assert set(letters_visible_to(user).values_list("pk", flat=True)) == expected


@pytest.mark.parametrize("persona", VIEWERS)
def test_the_report_lists_and_panel_show_only_the_letters_the_persona_sees(
    client, request, persona, every_letter
):
    user = request.getfixturevalue(persona)
    report = next(iter(every_letter.values())).report
    page = _as(client, user).get(url("letter_list", report.pk)).text
    panel = render_to_string(
        "letters/_report_panel.html", {"panel": report_letters_panel(user=user, obj=report)}
    )
    for key, letter in every_letter.items():
        for html in (page, panel):
            assert (letter.reference in html) is (persona in SEES[key]), (key, letter.reference)
            assert (url("letter_detail", letter.pk) in html) is (persona in SEES[key]), key


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("kind", [kind.value for kind in Letter.Kind])
def test_comparing_with_a_draft_needs_sight_of_the_draft(
    client, request, persona, kind, every_letter
):
    issued = every_letter[(kind, Letter.Status.ISSUED)]
    draft = every_letter[(kind, Letter.Status.DRAFT)]
    response = _as(client, request.getfixturevalue(persona)).get(
        url("letter_compare", draft.pk, issued.pk)
    )
    assert response.status_code == (200 if persona in SEES[(kind, "draft")] else 404)


def test_the_issued_request_page_hides_the_opcc_draft_that_followed(
    client, police_lead_a, every_letter
):
    issued = every_letter[(Letter.Kind.RESPONSE_REQUEST, Letter.Status.ISSUED)]
    draft = every_letter[(Letter.Kind.RESPONSE_REQUEST, Letter.Status.DRAFT)]
    page = _as(client, police_lead_a).get(url("letter_detail", issued.pk)).text
    assert url("letter_detail", draft.pk) not in page
    assert url("letter_compare", issued.pk, draft.pk) not in page


# --- Creating --------------------------------------------------------------------------


def test_opcc_staff_create_a_letter_and_land_in_the_builder(client, opcc_staff, report_a):
    response = _as(client, opcc_staff).post(
        url("letter_create", report_a.pk), {"kind": Letter.Kind.SECTION_55}
    )
    letter = Letter.objects.get(report=report_a)
    assert response.status_code == 302
    assert response["Location"] == url("letter_detail", letter.pk)
    assert letter.kind == Letter.Kind.SECTION_55


def test_plan_owner_is_offered_only_the_formal_response(client, plan_owner_a, report_a):
    response = _as(client, plan_owner_a).get(url("letter_create", report_a.pk))
    assert response.status_code == 200
    assert Letter.Kind.FORMAL_RESPONSE.value in response.text
    assert Letter.Kind.SECTION_55.value not in response.text
    response = client.post(url("letter_create", report_a.pk), {"kind": Letter.Kind.SECTION_55})
    assert response.status_code == 400
    assert not Letter.objects.exists()


def test_creating_a_second_draft_says_what_to_do(client, opcc_staff, letter_a):
    response = _as(client, opcc_staff).post(
        url("letter_create", letter_a.report_id), {"kind": Letter.Kind.FORMAL_RESPONSE}
    )
    assert response.status_code == 400
    assert "already a draft" in response.text


# --- The builder -----------------------------------------------------------------------


def _builder_data(letter, **changes):
    data = {
        "version": letter.updated_at.isoformat(),
        "reference": letter.reference,
        "language": letter.language,
        "letter_date": "2026-11-20",
        "addressee": "Pat Commissioner\nOPCC A",
        "salutation": "Dear Commissioner",
        "opening": "Thank you for your letter.",
        "closing": "Yours, in the meantime.",
        "signatory_name": "Jo Bloggs",
        "signatory_title": "Chief Constable",
    }
    return {**data, **changes}


def test_builder_saves_the_wording_and_drops_the_stale_pdf(client, opcc_staff, letter_a):
    response = _as(client, opcc_staff).post(
        url("letter_detail", letter_a.pk), _builder_data(letter_a, opening="New opening.")
    )
    assert response.status_code == 302
    letter_a.refresh_from_db()
    assert letter_a.opening == "New opening."
    assert letter_a.render_state == Letter.RenderState.IDLE
    assert not letter_a.rendered_pdf


def test_builder_changes_the_language_and_the_page_shows_it(client, opcc_staff, letter_a):
    response = _as(client, opcc_staff).post(
        url("letter_detail", letter_a.pk), _builder_data(letter_a, language="cy")
    )
    assert response.status_code == 302
    letter_a.refresh_from_db()
    assert letter_a.language == Letter.Language.WELSH
    page = client.get(url("letter_detail", letter_a.pk)).text
    assert "Language: Welsh (Cymraeg)" in page


def test_a_new_letter_is_in_the_offices_language(client, opcc_staff, report_a):
    opcc_staff.office.letter_language = "bilingual"
    opcc_staff.office.save(update_fields=["letter_language"])
    response = _as(client, opcc_staff).post(
        url("letter_create", report_a.pk), {"kind": Letter.Kind.RESPONSE_REQUEST}
    )
    assert response.status_code == 302
    letter = Letter.objects.get(report=report_a, kind=Letter.Kind.RESPONSE_REQUEST)
    assert letter.language == Letter.Language.BILINGUAL


def test_builder_rejects_a_bad_date_with_400_next_to_the_field(client, opcc_staff, letter_a):
    response = _as(client, opcc_staff).post(
        url("letter_detail", letter_a.pk), _builder_data(letter_a, letter_date="31/02/2026")
    )
    assert response.status_code == 400
    assert "Enter the date as day, month and year" in response.text


def test_builder_refuses_a_stale_form(client, opcc_staff, letter_a):
    stale = _builder_data(letter_a, opening="Mine.")
    _as(client, opcc_staff).post(url("letter_detail", letter_a.pk), _builder_data(letter_a))
    response = client.post(url("letter_detail", letter_a.pk), stale)
    assert response.status_code == 409
    assert "Someone else changed this letter" in response.text
    letter_a.refresh_from_db()
    assert letter_a.opening != "Mine."


def test_request_letter_builder_asks_for_the_due_date(client, opcc_staff, report_a):
    letter = letter_create(report=report_a, kind=Letter.Kind.RESPONSE_REQUEST, user=opcc_staff)
    response = _as(client, opcc_staff).post(
        url("letter_detail", letter.pk),
        _builder_data(letter, letter_date="2026-11-20", response_due_on="2026-11-01"),
    )
    assert response.status_code == 400
    assert "cannot be due before the letter is dated" in response.text


def test_preview_escapes_user_text(client, opcc_staff, letter_a):
    Recommendation.objects.filter(pk__in=letter_a.report.recommendations.all()).update(
        text='<script>alert("x")</script><img src="file:///etc/passwd">'
    )
    response = _as(client, opcc_staff).get(url("letter_preview", letter_a.pk))
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in response.text


# --- Rendering and polling ---------------------------------------------------------------


def test_render_then_download_a_real_pdf(
    client, opcc_staff, letter_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _as(client, opcc_staff).post(url("letter_render", letter_a.pk))
    assert response.status_code == 302
    download = client.get(url("letter_download", letter_a.pk))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "FR-2026-1 v1 draft.pdf" in download["Content-Disposition"]
    assert b"".join(download.streaming_content).startswith(b"%PDF-")


def test_render_by_htmx_answers_with_the_status_fragment(
    client, plan_owner_a, letter_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        response = _as(client, plan_owner_a).post(
            url("letter_render", letter_a.pk), headers={"HX-Request": "true"}
        )
    assert response.status_code == 200
    assert 'id="letter-status"' in response.text
    assert "<html" not in response.text
    assert 'hx-trigger="every 1s"' in response.text


def test_status_polls_only_while_queued_or_rendering(client, read_only, letter_a):
    for state, polls in [
        (Letter.RenderState.QUEUED, True),
        (Letter.RenderState.RENDERING, True),
        (Letter.RenderState.READY, False),
        (Letter.RenderState.FAILED, False),
    ]:
        Letter.objects.filter(pk=letter_a.pk).update(render_state=state)
        response = _as(client, read_only).get(url("letter_status", letter_a.pk))
        assert ('hx-trigger="every 1s"' in response.text) is polls, state
    assert url("letter_download", letter_a.pk) in response.text or state == "failed"


def test_ready_status_offers_the_download(client, police_lead_a, letter_a):
    response = _as(client, police_lead_a).get(url("letter_status", letter_a.pk))
    assert url("letter_download", letter_a.pk) in response.text
    assert "Render again" not in response.text  # police leads do not render


def test_download_without_a_pdf_is_404(client, opcc_staff, s55_a):
    assert _as(client, opcc_staff).get(url("letter_download", s55_a.pk)).status_code == 404


# --- Issuing ---------------------------------------------------------------------------


def test_issue_freezes_and_downloads_the_issued_pdf(client, opcc_staff, letter_a):
    response = _as(client, opcc_staff).post(url("letter_issue", letter_a.pk))
    assert response.status_code == 302
    letter_a.refresh_from_db()
    assert letter_a.status == Letter.Status.ISSUED
    page = client.get(url("letter_detail", letter_a.pk))
    assert letter_a.checksum in page.text
    assert "Save the wording" not in page.text
    download = client.get(url("letter_download", letter_a.pk))
    body = b"".join(download.streaming_content)
    assert "v1 issued.pdf" in download["Content-Disposition"]
    import hashlib

    assert hashlib.sha256(body).hexdigest() == letter_a.checksum


def test_issued_letter_cannot_be_edited_or_rendered(client, opcc_staff, letter_a):
    letter_issue(letter=letter_a, user=opcc_staff)
    letter_a.refresh_from_db()
    for name in ("letter_detail", "letter_render", "letter_issue"):
        response = _as(client, opcc_staff).post(url(name, letter_a.pk), _builder_data(letter_a))
        assert response.status_code == 403, name
    letter_a.refresh_from_db()
    assert letter_a.opening != "Thank you for your letter."


def test_section_55_page_lists_recommendations_without_a_disposition(
    client, opcc_staff, s55_a, report_a
):
    factories.RecommendationFactory(report=report_a, reference="R7")
    page = _as(client, opcc_staff).get(url("letter_detail", s55_a.pk))
    assert "<strong>R1, R7</strong>" in page.text
    response = client.post(url("letter_issue", s55_a.pk))
    assert response.status_code == 400
    assert "These have no action and no stated reason: R1, R7" in response.text
    s55_a.refresh_from_db()
    assert s55_a.status == Letter.Status.DRAFT


def test_compare_two_versions(client, opcc_staff, read_only, report_a, action_a):
    first = letter_create(report=report_a, kind=Letter.Kind.FORMAL_RESPONSE, user=opcc_staff)
    first = letter_issue(letter=first, user=opcc_staff)
    Recommendation.objects.filter(report=report_a).update(
        status=Recommendation.Status.PROPOSED_FOR_CLOSURE
    )
    second = letter_create(report=report_a, kind=Letter.Kind.FORMAL_RESPONSE, user=opcc_staff)
    response = _as(client, read_only).get(url("letter_compare", second.pk, first.pk))
    assert response.status_code == 200
    assert "between version 1 and version 2" in response.text
    assert "Proposed for closure" in response.text
    detail = client.get(url("letter_detail", second.pk))
    assert url("letter_compare", second.pk, first.pk) in detail.text


def test_compare_refuses_different_letters(client, opcc_staff, letter_a, s55_a):
    response = _as(client, opcc_staff).get(url("letter_compare", letter_a.pk, s55_a.pk))
    assert response.status_code == 404


# --- The list and the report page's panel ------------------------------------------------


@pytest.mark.parametrize("count", [2, 20])
def test_letter_list_runs_a_fixed_number_of_queries(
    client, opcc_staff, report_a, count, django_assert_num_queries
):
    for version in range(1, count + 1):
        factories.LetterFactory(report=report_a, version=version)
    _as(client, opcc_staff)
    # session, user (+organisation, +the unread notifications for the page around them),
    # report (+force), letters (+issued_by).
    with django_assert_num_queries(4):
        response = client.get(url("letter_list", report_a.pk))
    assert response.status_code == 200
    assert response.text.count("Chief constable") >= count


def test_panel_is_registered_for_the_report_page(opcc_staff, partner_lead, report_a, letter_a):
    rendered = panels.panels_for("report_detail", user=opcc_staff, obj=report_a)
    mine = [p for p in rendered if p.template.endswith("letters/_report_panel.html")]
    assert len(mine) == 1
    html = render_to_string(mine[0].template, {"panel": mine[0].context})
    assert letter_a.get_absolute_url() in html
    assert "Continue the draft" in html
    assert "Prepare the PCC’s section 55 response" in html
    assert not [
        p
        for p in panels.panels_for("report_detail", user=partner_lead, obj=report_a)
        if p.template.endswith("letters/_report_panel.html")
    ]


def test_panel_offers_plan_owner_the_formal_response_only(plan_owner_a, report_a):
    context = report_letters_panel(user=plan_owner_a, obj=report_a)
    html = render_to_string("letters/_report_panel.html", {"panel": context})
    assert "Generate the chief constable’s formal response" in html
    assert "section 55" not in html


def test_panel_offers_readers_nothing_to_write(
    read_only, report_a, letter_a, django_assert_num_queries
):
    with django_assert_num_queries(1):  # the report's letters (+issued_by)
        context = report_letters_panel(user=read_only, obj=report_a)
    assert context["offers"] == []
    assert context["letters"] == [letter_a]
