"""axe-core at WCAG 2.2 AA on every page the force's personas can open (the plan owner,
the police leads and the partner lead), and on each form's error state: the walks of
test_accessibility_pages.py, in a file of their own so the test run's two workers share
them."""

import pytest

from tests.browser.test_accessibility_pages import FORCE_SIDE, walk_personas

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.long,
]


def test_every_page_of_each_force_persona_has_no_wcag_violations(browser, live_server):
    walk_personas(FORCE_SIDE, browser, live_server)
