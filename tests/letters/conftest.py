"""The deep-dive and investment sections read the reviews app's data: its fixtures serve
here too."""

from tests.reviews.conftest import area_a, investment_a, review_a  # noqa: F401 (by name)
