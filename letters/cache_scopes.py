"""Where a change to letters, committee packs and an office's public site belongs, for the
page cache (oversight.shared.pagecache): a letter to its report's force, a pack to its
meeting's office, what an office publishes to that office."""

from letters.models import (
    CommitteePack,
    Letter,
    PublicSummary,
    PublishedLetter,
    PublishedRecommendation,
    PublishedReport,
)
from oversight.cache_scopes import related_value
from oversight.shared import pagecache
from oversight.shared.pagecache import Placement, placed


def place_letter(letter: Letter) -> Placement | None:
    return placed(forces=[related_value(letter, "report__force_id")])


def place_pack(pack: CommitteePack) -> Placement | None:
    return placed(offices=[related_value(pack, "meeting__office_id")])


def place_office_owned(instance) -> Placement | None:
    """Public summaries, publications and published letters: the office publishing them."""
    return placed(offices=[instance.office_id])


def place_published_recommendation(row: PublishedRecommendation) -> Placement | None:
    return placed(offices=[related_value(row, "publication__office_id")])


def register_placements() -> None:
    pagecache.register(Letter, place_letter)
    pagecache.register(CommitteePack, place_pack)
    for model in (PublicSummary, PublishedReport, PublishedLetter):
        pagecache.register(model, place_office_owned)
    pagecache.register(PublishedRecommendation, place_published_recommendation)
