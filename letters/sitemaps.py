"""The public site's sitemap: /public/, and for each office with something published its
home, its open data page and each report it shows."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from letters.selectors_public import public_sitemap_entries


class PublicSitemap(Sitemap):
    changefreq = "weekly"

    def items(self) -> list[tuple[str, object]]:
        """(path, last published) pairs, read in two queries."""
        entries = []
        everything = []
        for office, publications in public_sitemap_entries():
            latest = max((p.published_at for p in publications), default=None)
            everything.append(latest)
            entries.append((reverse("public:office", args=[office.slug]), latest))
            entries.append((reverse("public:data", args=[office.slug]), latest))
            entries += [
                (reverse("public:report", args=[office.slug, p.report_id]), p.published_at)
                for p in publications
            ]
        latest = max((when for when in everything if when), default=None)
        return [(reverse("public:index"), latest), *entries]

    def location(self, item) -> str:
        return item[0]

    def lastmod(self, item):
        return item[1]
