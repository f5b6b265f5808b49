"""Each office's Atom feed of what it has published: a report (again when it is published
anew, as an update of the same entry) and each letter it shows. One feed per language, at
/public/<office>/feed.atom and /cy/public/<office>/feed.atom, its fixed wording and links in
that language."""

import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from letters.selectors_public import FeedEntry, public_feed_entries, public_office
from oversight.models import Office


class OfficeFeed(Feed):
    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        patch_cache_control(response, public=True, max_age=settings.PUBLIC_CACHE_SECONDS)
        return response

    def get_object(self, request, slug: str) -> Office:
        office = public_office(slug)
        if office is None:
            raise Http404("This office has published nothing here.")
        return office

    def title(self, office: Office) -> str:
        return _("%(office)s: inspection reports and responses") % {"office": office.name}

    def subtitle(self, office: Office) -> str:
        return _(
            "Reports about the force the office publishes here, with progress on each "
            "recommendation, and the letters it publishes with them."
        )

    def link(self, office: Office) -> str:
        return reverse("public:office", args=[office.slug])

    def author_name(self, office: Office) -> str:
        return office.name

    def feed_copyright(self, office: Office) -> str:
        return "Open Government Licence v3.0"

    def items(self, office: Office) -> list[FeedEntry]:
        return public_feed_entries(office)

    def item_title(self, entry: FeedEntry) -> str:
        return entry.title

    def item_description(self, entry: FeedEntry) -> str:
        # Atom summaries are HTML: the plain text is escaped.
        return escape(entry.summary)

    def item_link(self, entry: FeedEntry) -> str:
        return entry.link

    def item_pubdate(self, entry: FeedEntry) -> datetime.datetime:
        return entry.published

    def item_updateddate(self, entry: FeedEntry) -> datetime.datetime:
        return entry.updated
