"""axe-core at WCAG 2.2 AA on every page OPCC staff can open, and on each form's error
state: the walk of test_accessibility_pages.py, in a file of its own (the longest walk) so
the test run's two workers share the walks."""

import pytest

from tests.browser.test_accessibility_pages import walk_personas

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.long,
]


def test_every_page_of_opcc_staff_has_no_wcag_violations(browser, live_server):
    walk_personas(["opcc"], browser, live_server)
