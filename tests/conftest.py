"""Personas and a small two-force world shared by every test.

Office A oversees force A; office B oversees force B. The partner agency works with
force A. Every persona is a fixture: opcc_staff, read_only, plan_owner_a, police_lead_a,
police_lead_b, partner_lead.
"""

import os
import shutil

import pytest

from oversight.models import User
from tests import factories

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Files marked `long` first, then the rest by their number of tests, most first.

    `make test` hands each of its two workers whole files in this order (`--dist
    loadfile --no-loadscope-reorder`), so the walks that take a worker half a minute or
    more start at once, and the run ends on short files, not with one worker running a
    long one alone. (xdist's own order, most tests first, put those walks last: each is
    one or two tests.) Each file's tests keep their order."""
    files: dict = {}
    for item in items:
        files.setdefault(item.path, []).append(item)

    def order(tests):
        return (not any(test.get_closest_marker("long") for test in tests), -len(tests))

    items[:] = [test for tests in sorted(files.values(), key=order) for test in tests]


@pytest.fixture(autouse=True)
def _page_cache(settings):
    """The page cache is on in every test (in this process's memory cache, emptied per
    test), so any page that shows stale data after a change fails its test."""
    from django.core.cache import cache

    settings.PAGE_CACHE_SECONDS = 300
    # Every change shown at once to everybody (the bounded re-render rate has its own
    # tests in tests/oversight/test_pagecache.py).
    settings.PAGE_CACHE_RERENDER_FACTOR = 0
    settings.PAGE_CACHE_RERENDER_SECONDS = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _querysets_built_afresh():
    """Each test builds the pages' querysets anew (oversight.shared.built_querysets): a
    test may change what a build reads (the panels registered, say)."""
    from oversight.shared.built_querysets import forget_all

    forget_all()
    yield
    forget_all()


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A request in Welsh leaves Welsh active in the thread that served it (the test's);
    each test starts and ends in English."""
    from django.utils import translation

    translation.activate("en-gb")
    yield
    translation.activate("en-gb")


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Uploaded and rendered files go to a per-test folder, never to var/."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Test users need no slow, secure hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def force_a(db):
    return factories.ForceFactory(name="Force A Police")


@pytest.fixture
def force_b(db):
    return factories.ForceFactory(name="Force B Police")


@pytest.fixture
def office_a(force_a):
    return factories.OfficeFactory(name="OPCC A", forces=[force_a])


@pytest.fixture
def office_b(force_b):
    return factories.OfficeFactory(name="OPCC B", forces=[force_b])


@pytest.fixture
def agency(force_a):
    return factories.PartnerAgencyFactory(name="County A children's services", forces=[force_a])


def _persona(username: str, role: str, **organisation) -> User:
    return factories.person_with_role(username, role, **organisation)


@pytest.fixture
def opcc_staff(office_a):
    return _persona("opcc_a", User.Role.OPCC_STAFF, office=office_a)


@pytest.fixture
def opcc_staff_b(office_b):
    return _persona("opcc_b", User.Role.OPCC_STAFF, office=office_b)


@pytest.fixture
def read_only(office_a):
    return _persona("panel_a", User.Role.READ_ONLY, office=office_a)


@pytest.fixture
def plan_owner_a(force_a):
    return _persona("acc_a", User.Role.PLAN_OWNER, force=force_a)


@pytest.fixture
def police_lead_a(force_a, plan_owner_a):
    user = _persona("lead_a", User.Role.POLICE_LEAD, force=force_a)
    user.manager = plan_owner_a
    user.save(update_fields=["manager"])
    return user


@pytest.fixture
def police_lead_a2(force_a):
    return _persona("lead_a2", User.Role.POLICE_LEAD, force=force_a)


@pytest.fixture
def police_lead_b(force_b):
    return _persona("lead_b", User.Role.POLICE_LEAD, force=force_b)


@pytest.fixture
def partner_lead(agency):
    return _persona("partner_a", User.Role.PARTNER_LEAD, partner_agency=agency)


@pytest.fixture
def report_a(force_a):
    return factories.InspectionReportFactory(force=force_a, title="Child protection in force A")


@pytest.fixture
def report_b(force_b):
    return factories.InspectionReportFactory(force=force_b, title="Child protection in force B")


@pytest.fixture
def recommendation_a(report_a):
    return factories.RecommendationFactory(report=report_a, reference="R1")


@pytest.fixture
def recommendation_b(report_b):
    return factories.RecommendationFactory(report=report_b, reference="R1")


@pytest.fixture
def plan_a(report_a, plan_owner_a):
    return factories.ActionPlanFactory(report=report_a, owner=plan_owner_a)


@pytest.fixture
def action_a(plan_a, recommendation_a, police_lead_a):
    """A police-only action led by police lead A."""
    return factories.ActionFactory(
        plan=plan_a, reference="A1", delivery_lead=police_lead_a, recommendations=[recommendation_a]
    )


@pytest.fixture
def partner_action_a(plan_a, recommendation_a, partner_lead, agency):
    """An action force A's partner agency owns."""
    return factories.ActionFactory(
        plan=plan_a,
        reference="A2",
        delivery_lead=partner_lead,
        partner_agency=agency,
        recommendations=[recommendation_a],
    )


@pytest.fixture
def action_b(report_b, recommendation_b, police_lead_b):
    plan = factories.ActionPlanFactory(report=report_b)
    return factories.ActionFactory(
        plan=plan, reference="B1", delivery_lead=police_lead_b, recommendations=[recommendation_b]
    )


@pytest.fixture
def everyone(opcc_staff, read_only, plan_owner_a, police_lead_a, police_lead_b, partner_lead):
    return {
        "opcc_staff": opcc_staff,
        "read_only": read_only,
        "plan_owner_a": plan_owner_a,
        "police_lead_a": police_lead_a,
        "police_lead_b": police_lead_b,
        "partner_lead": partner_lead,
    }


# --- Real Chromium (Debian's package) driven by Playwright ------------------------------
# `playwright install` cannot download browsers here, so the browser is the `chromium` found
# on PATH. One per test process, for the journeys in tests/browser and any other folder.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: run `make test`, which installs it.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
