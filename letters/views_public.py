"""The public site: no sign-in, the same answer for everybody.

Every page here is rendered from its template without the request, so no context
processor runs and nothing of the visitor (their session, name, CSRF token, messages) can
reach it; the two-factor middleware leaves /public/ alone, so the session is never even
read and responses carry no `Vary: Cookie` and set no cookie. That makes them safe to
cache anywhere: each is sent with `Cache-Control: public, max-age=PUBLIC_CACHE_SECONDS`.
Only the snapshot tables and the issued letters' frozen fields are read
(letters.selectors_public).
"""

import json

from django.conf import settings
from django.contrib.sites.requests import RequestSite
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from letters import open_data
from letters.selectors_public import (
    public_letter,
    public_office,
    public_office_page,
    public_offices,
    public_register,
    public_register_updated_at,
    public_report_page,
)
from letters.sitemaps import PublicSitemap
from oversight.shared.uploads import attachment_response, safe_filename

# The public pages' languages: their code, as HTML's lang and hreflang write it, and the
# language's own name for the switch.
PUBLIC_LANGUAGES = (("en-gb", "en-GB", "English"), ("cy", "cy", "Cymraeg"))


def _cacheable(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=settings.PUBLIC_CACHE_SECONDS)
    return response


def _languages(request) -> dict:
    """The page's language and its twin in the other: for <html lang>, the hreflang
    alternates and the switch. Only the address is read, never anything of the visitor."""
    current = translation.get_language()
    paths = {code: translate_url(request.path, code) for code, _tag, _name in PUBLIC_LANGUAGES}
    versions = [
        {
            "code": code,
            "tag": tag,
            "name": name,
            "url": f"{settings.SITE_URL}{paths[code]}",
            "path": paths[code],
        }
        for code, tag, name in PUBLIC_LANGUAGES
    ]
    return {
        "page_language": next((v for v in versions if v["code"] == current), versions[0]),
        "language_versions": versions,
        "other_languages": [v for v in versions if v["code"] != current],
    }


def _page(request, template: str, context: dict) -> HttpResponse:
    context = {**context, **_languages(request)}
    return _cacheable(HttpResponse(render_to_string(template, context)))


def _not_found(request, what: str) -> HttpResponse:
    """A 404 in the public site's own layout (not cached: it may be published soon)."""
    context = {"what": what, **_languages(request)}
    return HttpResponse(render_to_string("letters/public/not_found.html", context), status=404)


def _no_office(request) -> HttpResponse:
    return _not_found(request, _("There is no public register at this address."))


@require_GET
def index(request):
    return _page(request, "letters/public/index.html", {"offices": public_offices()})


@require_GET
def office_home(request, slug):
    office = public_office(slug)
    if office is None:
        return _no_office(request)
    return _page(
        request,
        "letters/public/office.html",
        {"office": office, "page": public_office_page(office), "section": "reports"},
    )


@require_GET
def report(request, slug, report_id):
    office = public_office(slug)
    if office is None:
        return _no_office(request)
    page = public_report_page(office, report_id)
    if page is None:
        return _not_found(request, _("This report is not published here."))
    return _page(
        request,
        "letters/public/report.html",
        {"office": office, "page": page, "section": "reports"},
    )


@require_GET
def letter_pdf(request, slug, letter_id):
    office = public_office(slug)
    letter = public_letter(office, letter_id) if office else None
    if letter is None:
        return _not_found(request, _("This letter is not published here."))
    name = safe_filename(
        f"{office.slug} {letter.get_kind_display()} {letter.letter_date:%Y-%m-%d} "
        f"v{letter.version}.pdf"
    )
    response = attachment_response(letter.issued_pdf, filename=name, content_type="application/pdf")
    del response["Cache-Control"]
    return _cacheable(response)


def _schema_url() -> str:
    """The schema's address: the English one from either language (the files are the same
    in both)."""
    with translation.override(settings.LANGUAGE_CODE):
        return f"{settings.SITE_URL}{reverse('public:schema')}"


@require_GET
def data(request, slug):
    office = public_office(slug)
    if office is None:
        return _no_office(request)
    return _page(
        request,
        "letters/public/data.html",
        {
            "office": office,
            "section": "data",
            "columns": open_data.COLUMNS,
            "licence": open_data.LICENCE,
            "updated_at": public_register_updated_at(office),
        },
    )


def _data_response(body: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    # The licence travels with the file's answer (RFC 8288: rel="license").
    response["Link"] = (
        f'<{open_data.LICENCE["path"]}>; rel="license", <{_schema_url()}>; rel="describedby"'
    )
    # Anyone's tools may read it from their own pages.
    response["Access-Control-Allow-Origin"] = "*"
    return _cacheable(response)


@require_GET
def data_csv(request, slug):
    office = public_office(slug)
    if office is None:
        return _no_office(request)
    body = open_data.register_csv(public_register(office), office)
    return _data_response(
        body, "text/csv; charset=utf-8; header=present", f"{office.slug}-recommendations.csv"
    )


@require_GET
def data_json(request, slug):
    office = public_office(slug)
    if office is None:
        return _no_office(request)
    rows = public_register(office)
    document = {
        "title": f"{office.name}: published inspection recommendations and progress",
        "publisher": office.name,
        "licence": open_data.LICENCE,
        "schema": _schema_url(),
        "updated": open_data.plain(
            max((row.publication.published_at for row in rows), default=None)
        ),
        "recommendations": open_data.register_records(rows, office),
    }
    body = json.dumps(document, ensure_ascii=False, indent=2)
    return _data_response(
        body, "application/json; charset=utf-8", f"{office.slug}-recommendations.json"
    )


@require_GET
def schema(request):
    body = json.dumps(open_data.table_schema(schema_url=_schema_url()), indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return _cacheable(response)


@require_GET
def sitemap(request):
    urls = PublicSitemap().get_urls(site=RequestSite(request), protocol=request.scheme)
    body = render_to_string("letters/public/sitemap.xml", {"urls": urls})
    return _cacheable(HttpResponse(body, content_type="application/xml; charset=utf-8"))
