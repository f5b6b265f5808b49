"""The public site's sitemap: /public/, and for each office with something published its
home, its open data page and each report it shows; each in English and in Welsh, with the
other language's address as an alternate (xhtml:link hreflang)."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from letters.selectors_public import public_sitemap_entries


class PublicSitemap(Sitemap):
    changefreq = "weekly"
    # Each item once per language of settings.LANGUAGES; the address is reversed with that
    # language active, so /cy/public/... for Welsh.
    i18n = True
    alternates = True

    def items(self) -> list[tuple[str, tuple, object]]:
        """(URL name, its arguments, last published) triples, read in two queries."""
        entries = []
        everything = []
        for office, publications in public_sitemap_entries():
            latest = max((p.published_at for p in publications), default=None)
            everything.append(latest)
            entries.append(("public:office", (office.slug,), latest))
            entries.append(("public:data", (office.slug,), latest))
            entries += [
                ("public:report", (office.slug, p.report_id), p.published_at) for p in publications
            ]
        latest = max((when for when in everything if when), default=None)
        return [("public:index", (), latest), *entries]

    def location(self, item) -> str:
        name, args, _ = item
        return reverse(name, args=args)

    def lastmod(self, item):
        return item[2]
