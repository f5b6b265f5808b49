"""Where a change to reminders' own records belongs, for the page cache
(oversight.shared.pagecache): a calendar link to its person. (Notifications themselves
are outside every cached body: pagecache.IGNORED_MODELS.)"""

from oversight.shared import pagecache
from oversight.shared.pagecache import Placement, placed
from reminders.models import CalendarFeed


def place_calendar_feed(feed: CalendarFeed) -> Placement | None:
    return placed(people=[feed.user_id])


def register_placements() -> None:
    pagecache.register(CalendarFeed, place_calendar_feed)
