"""The page cache: a body is shown only to the user it was rendered for, and never after
the data behind it changed (oversight/shared/pagecache.py)."""

import datetime
import os

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from letters.models import CommitteePack
from oversight.models import CommitteeMeeting, User
from oversight.shared import pagecache
from oversight.shared.concurrency import version_of
from recommendations.models import Action, InspectorateStatusChange, Rag, Recommendation
from recommendations.services import recommendation_update
from recommendations.services_progress import progress_update_submit
from reminders.models import Reminder
from reviews.services_handover import follow_up_reassign
from tests import factories

REGISTER = reverse("recommendations:register")
DASHBOARD = reverse("recommendations:dashboard")
MY_ACTIONS = reverse("recommendations:my_actions")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _from_cache(response) -> bool:
    """A body rendered for this response leaves its context (rows, data) in the response;
    a body from the cache leaves only the page around it."""
    return "rows" not in response.context and "data" not in response.context


def test_a_second_visit_is_served_from_the_cache(client, opcc_staff, recommendation_a):
    client.force_login(opcc_staff)
    first = client.get(REGISTER)
    second = client.get(REGISTER)
    assert not _from_cache(first)
    assert _from_cache(second)
    assert second.context["body"] == first.context["body"]
    assert recommendation_a.reference in second.content.decode()


def test_each_user_gets_only_their_own_body(
    client, opcc_staff, opcc_staff_b, recommendation_a, recommendation_b
):
    recommendation_a.text = "Only force A's office may read this."
    recommendation_a.save()
    client.force_login(opcc_staff)
    assert "Only force A" in client.get(REGISTER).content.decode()
    client.force_login(opcc_staff_b)
    page_b = client.get(REGISTER)
    assert not _from_cache(page_b)
    assert "Only force A" not in page_b.content.decode()
    assert recommendation_b.reference in page_b.content.decode()


def test_the_query_string_is_part_of_the_key(client, opcc_staff, report_a):
    factories.RecommendationFactory(report=report_a, reference="OPEN1")
    factories.RecommendationFactory(
        report=report_a, reference="MOVING1", status=Recommendation.Status.IN_PROGRESS
    )
    client.force_login(opcc_staff)
    client.get(REGISTER)
    moving = client.get(REGISTER, {"status": Recommendation.Status.IN_PROGRESS})
    assert not _from_cache(moving)
    assert [row.recommendation.reference for row in moving.context["rows"]] == ["MOVING1"]


def test_a_saved_change_is_shown_at_once(client, opcc_staff, recommendation_a):
    client.force_login(opcc_staff)
    client.get(REGISTER)
    recommendation_a.text = "A wording the OPCC corrected."
    recommendation_a.save()
    page = client.get(REGISTER)
    assert not _from_cache(page)
    assert "A wording the OPCC corrected." in page.content.decode()


def test_a_new_action_changes_the_rag_shown(
    client, opcc_staff, recommendation_a, plan_a, police_lead_a
):
    client.force_login(opcc_staff)
    assert client.get(REGISTER).context["rows"][0].recommendation.rag == "none"
    factories.ActionFactory(
        plan=plan_a, recommendations=[recommendation_a], rag=Rag.RED, delivery_lead=police_lead_a
    )
    page = client.get(REGISTER)
    assert not _from_cache(page)
    assert page.context["rows"][0].recommendation.rag == Rag.RED


def test_a_link_added_or_removed_is_shown_at_once(
    client, opcc_staff, recommendation_a, plan_a, police_lead_a
):
    action = factories.ActionFactory(plan=plan_a, delivery_lead=police_lead_a, rag=Rag.AMBER)
    client.force_login(opcc_staff)
    assert client.get(REGISTER).context["rows"][0].leads == []
    action.recommendations.add(recommendation_a)
    assert client.get(REGISTER).context["rows"][0].leads == [str(police_lead_a)]
    action.recommendations.remove(recommendation_a)
    assert client.get(REGISTER).context["rows"][0].leads == []


def test_a_deleted_recommendation_disappears_at_once(client, opcc_staff, report_a):
    doomed = factories.RecommendationFactory(report=report_a, reference="GONE1")
    client.force_login(opcc_staff)
    assert "GONE1" in client.get(REGISTER).content.decode()
    doomed.delete()
    assert "GONE1" not in client.get(REGISTER).content.decode()


def test_a_change_of_role_is_never_served_the_old_body(client, opcc_staff, recommendation_a):
    client.force_login(opcc_staff)
    client.get(DASHBOARD)
    opcc_staff.role = opcc_staff.Role.READ_ONLY
    opcc_staff.save()
    page = client.get(DASHBOARD)
    assert not _from_cache(page)


def test_signing_in_keeps_the_cached_bodies(client, opcc_staff, recommendation_a):
    client.force_login(opcc_staff)
    client.get(REGISTER)
    client.logout()
    client.force_login(opcc_staff)  # saves last_login only
    assert _from_cache(client.get(REGISTER))


def test_the_next_day_is_rendered_afresh(client, opcc_staff, report_a):
    factories.RecommendationFactory(report=report_a, due_on=datetime.date(2026, 11, 2))
    client.force_login(opcc_staff)
    with time_machine.travel(datetime.datetime(2026, 11, 2, 23, 0), tick=False):
        assert client.get(REGISTER).context["rows"][0].recommendation.is_overdue is False
    with time_machine.travel(datetime.datetime(2026, 11, 3, 0, 30), tick=False):
        page = client.get(REGISTER)
        assert not _from_cache(page)
        assert page.context["rows"][0].recommendation.is_overdue is True


def test_a_bump_is_repeated_when_the_transaction_commits(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    bumps = []
    bump = pagecache._bump
    monkeypatch.setattr(pagecache, "_bump", lambda keys=None: bumps.append(keys) or bump(keys))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        factories.ForceFactory()
        first = cache.get(pagecache.GENERATION_KEY)
    assert callbacks  # the commit bump was registered
    assert bumps == [[pagecache.GENERATION_KEY]] * 2  # a force: everyone's pages
    assert cache.get(pagecache.GENERATION_KEY) not in {None, first}


def test_notifications_do_not_drop_the_cache(client, opcc_staff, action_a):
    client.force_login(opcc_staff)
    client.get(REGISTER)
    reminder = Reminder.objects.create(
        subject_type=ContentType.objects.get_for_model(Action),
        subject_id=action_a.pk,
        what="update_due",
        due_on=datetime.date(2026, 11, 1),
        stage=Reminder.Stage.OVERDUE,
        recipient=opcc_staff,
        title=f"{action_a.reference}: update due",
        url=action_a.get_absolute_url(),
    )
    reminder.read_at = timezone.now()
    reminder.save()
    page = client.get(REGISTER)
    assert _from_cache(page)
    assert all(model.__name__ != "Reminder" for model in pagecache.domain_models())
    assert Action in pagecache.domain_models()
    assert Action.recommendations.through in pagecache.domain_models()


def test_the_trends_store_filling_or_emptying_keeps_the_cache(client, opcc_staff, report_a):
    """Filled while the dashboard renders: its rows follow changes that have bumped."""
    from recommendations.models import TrendQuarter

    client.force_login(opcc_staff)
    client.get(REGISTER)
    row = TrendQuarter.objects.create(
        report=report_a,
        quarter_start=datetime.date(2026, 7, 1),
        opening=1,
        added=0,
        closed=0,
        closing=1,
        overdue=0,
    )
    TrendQuarter.objects.filter(pk=row.pk).delete()
    assert _from_cache(client.get(REGISTER))


def test_a_leads_new_action_shows_in_my_actions_at_once(
    client, police_lead_a, plan_a, recommendation_a
):
    client.force_login(police_lead_a)
    assert "A-NEW" not in client.get(MY_ACTIONS).content.decode()
    factories.ActionFactory(
        plan=plan_a,
        reference="A-NEW",
        recommendations=[recommendation_a],
        delivery_lead=police_lead_a,
    )
    page = client.get(MY_ACTIONS)
    assert "mine" in page.context  # rendered afresh, not from the cache
    assert "A-NEW" in page.content.decode()


def test_off_when_page_cache_seconds_is_zero(settings, client, opcc_staff, recommendation_a):
    settings.PAGE_CACHE_SECONDS = 0
    client.force_login(opcc_staff)
    client.get(REGISTER)
    assert not _from_cache(client.get(REGISTER))


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": TEST_REDIS_URL,
            "KEY_PREFIX": "pagecache-test",
        }
    }
    cache.clear()
    yield
    cache.clear()


def test_works_on_redis_as_in_production(redis_cache, client, opcc_staff, recommendation_a):
    client.force_login(opcc_staff)
    first = client.get(REGISTER)
    second = client.get(REGISTER)
    assert _from_cache(second)
    assert second.context["body"] == first.context["body"]
    # The body stays HTML after a round trip through Redis, not escaped text.
    assert "<table" in second.content.decode()
    recommendation_a.text = "Changed while cached in Redis."
    recommendation_a.save()
    assert "Changed while cached in Redis." in client.get(REGISTER).content.decode()


def test_pages_are_served_when_the_cache_is_down(client, opcc_staff, recommendation_a):
    client.force_login(opcc_staff)
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    with override_settings(CACHES=unreachable):
        page = client.get(REGISTER)
        assert page.status_code == 200
        assert recommendation_a.reference in page.content.decode()
        recommendation_a.text = "Saved while the cache was down."
        recommendation_a.save()  # the bump fails quietly; the save stands
        assert "Saved while the cache was down." in client.get(REGISTER).content.decode()


def _burst(opcc_staff, build, n=8):
    """n requests for the same page at the same moment, each in its own thread."""
    import threading

    from django.test import RequestFactory

    request = RequestFactory().get(REGISTER)
    request.user = opcc_staff
    start = threading.Barrier(n)
    bodies = []

    def ask():
        start.wait()
        try:
            bodies.append(pagecache.cached_body(request, "register", build))
        except RuntimeError as error:  # its request would get the error page
            bodies.append(str(error))

    threads = [threading.Thread(target=ask) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return bodies


def _slow_page(renders: list):
    """A page taking 0.3 s to render (all of a burst arrives meanwhile), "body N" for the
    Nth render, each render counted in `renders`."""
    import threading
    import time

    lock = threading.Lock()

    def build():
        with lock:
            renders.append(1)
        time.sleep(0.3)
        return f"body {len(renders)}"

    return build


def test_a_burst_of_requests_after_a_change_renders_the_page_once(redis_cache, opcc_staff):
    renders = []
    build = _slow_page(renders)
    assert _burst(opcc_staff, build) == ["body 1"] * 8
    assert len(renders) == 1
    pagecache._bump()  # a change: the next burst renders it once again...
    bodies = _burst(opcc_staff, build)
    assert len(renders) == 2
    # ...one request renders it; the others are shown it as it was meanwhile.
    assert sorted(bodies) == ["body 1"] * 7 + ["body 2"]
    assert _burst(opcc_staff, build) == ["body 2"] * 8
    assert len(renders) == 2


def test_a_burst_after_a_change_by_its_writer_shows_them_the_change(redis_cache, opcc_staff):
    renders = []
    build = _slow_page(renders)
    _burst(opcc_staff, build)
    pagecache._bump()
    pagecache.note_writer(opcc_staff)  # they posted the change
    assert _burst(opcc_staff, build) == ["body 2"] * 8
    assert len(renders) == 2


def _ask_while_another_renders(user, build) -> str:
    """The register's body for `user` while another request holds its render lock."""
    from django.test import RequestFactory

    request = RequestFactory().get(REGISTER)
    request.user = user
    cache.add(f"{pagecache.page_key(request, 'register')}:rendering", 1, timeout=10)
    return pagecache.cached_body(request, "register", build)


def _cached_then_changed(user) -> None:
    from django.test import RequestFactory

    request = RequestFactory().get(REGISTER)
    request.user = user
    assert pagecache.cached_body(request, "register", lambda: "before") == "before"
    pagecache._bump()


def test_while_a_page_renders_again_others_are_shown_it_as_it_was(redis_cache, opcc_staff):
    _cached_then_changed(opcc_staff)
    assert _ask_while_another_renders(opcc_staff, lambda: "after") == "before"


def test_someone_who_just_posted_is_never_shown_the_page_from_before(redis_cache, opcc_staff):
    _cached_then_changed(opcc_staff)
    pagecache.note_writer(opcc_staff)
    assert _ask_while_another_renders(opcc_staff, lambda: "after") == "after"


def test_a_body_older_than_stale_seconds_is_not_shown_meanwhile(
    redis_cache, opcc_staff, monkeypatch
):
    _cached_then_changed(opcc_staff)
    monkeypatch.setattr(pagecache, "STALE_SECONDS", 0)
    assert _ask_while_another_renders(opcc_staff, lambda: "after") == "after"


def test_without_another_render_the_next_request_renders_the_change(redis_cache, opcc_staff):
    from django.test import RequestFactory

    _cached_then_changed(opcc_staff)
    request = RequestFactory().get(REGISTER)
    request.user = opcc_staff
    assert pagecache.cached_body(request, "register", lambda: "after") == "after"


# --- A page whose data changes all the time: rendered again at a bounded rate -------------


def _ask(user, build) -> str:
    from django.test import RequestFactory

    request = RequestFactory().get(REGISTER)
    request.user = user
    return pagecache.cached_body(request, "register", build)


def _paced_page(renders: list, seconds: float = 0.15):
    """A page taking `seconds` to render, "body N" for the Nth render."""
    import time

    def build():
        renders.append(1)
        time.sleep(seconds)
        return f"body {len(renders)}"

    return build


def _change_in_force(force) -> None:
    pagecache.bump_generation(pagecache.Placement(forces=frozenset({force.pk})))


@pytest.fixture
def rerender_bounds(settings):
    """As in production: a page is rendered again after a change at most once per four of
    its render times and at most once a second."""
    settings.PAGE_CACHE_RERENDER_FACTOR = 4
    settings.PAGE_CACHE_RERENDER_SECONDS = 1
    return settings


def _cached_render(user) -> tuple[float, float]:
    """When the user's cached body began rendering, and how long its render took."""
    from django.test import RequestFactory

    request = RequestFactory().get(REGISTER)
    request.user = user
    _, _, began, took = cache.get(pagecache.page_key(request, "register"))
    return began, took


def test_a_page_changing_all_the_time_is_rendered_again_at_a_bounded_rate(
    redis_cache, rerender_bounds, opcc_staff, force_a
):
    import time

    rerender_bounds.PAGE_CACHE_RERENDER_SECONDS = 0  # the factor alone: a 0.15 s page, 0.6 s
    renders = []
    build = _paced_page(renders)
    assert _ask(opcc_staff, build) == "body 1"
    # Changes in the office's force, one after another, within four render times of the
    # last render: the reader is shown the page from before them, nothing is rendered.
    for _ in range(3):
        _change_in_force(force_a)
        assert _ask(opcc_staff, build) == "body 1"
    assert len(renders) == 1
    # Four render times after the render began (however long it took on this machine),
    # the next request renders the changes.
    began, took = _cached_render(opcc_staff)
    time.sleep(max(0.0, began + 4 * took - time.time()) + 0.05)
    assert _ask(opcc_staff, build) == "body 2"
    assert _ask(opcc_staff, build) == "body 2"
    assert len(renders) == 2


def test_a_fast_page_changing_all_the_time_is_rendered_again_at_most_once_a_second(
    redis_cache, rerender_bounds, opcc_staff, force_a
):
    """Four times a 10 ms render is 40 ms: without the floor, changes every 0.1 s would have
    it rendered after each of them."""
    import time

    renders = []
    build = _paced_page(renders, seconds=0.01)
    assert _ask(opcc_staff, build) == "body 1"
    began, took = _cached_render(opcc_staff)
    for _ in range(4):
        time.sleep(0.1)
        _change_in_force(force_a)
        assert _ask(opcc_staff, build) == "body 1"
    assert time.time() > began + 4 * took  # past what the factor alone would hold it for
    assert len(renders) == 1
    # A second after that render began, the next request renders the changes.
    time.sleep(max(0.0, began + 1 - time.time()) + 0.05)
    assert _ask(opcc_staff, build) == "body 2"
    assert len(renders) == 2


def _made_by_the_reader(user, force):
    _change_in_force(force)
    pagecache.note_writer(user)


def _global(user, force):
    """People, offices, forces: what a user may see."""
    pagecache.bump_generation()


def _naming_the_reader(user, force):
    pagecache.bump_generation(pagecache.Placement(people=frozenset({user.pk})))


@pytest.mark.parametrize("change", [_made_by_the_reader, _global, _naming_the_reader])
def test_within_that_time_these_changes_are_shown_at_once(
    redis_cache, rerender_bounds, opcc_staff, force_a, change
):
    renders = []
    build = _paced_page(renders)
    _ask(opcc_staff, build)
    change(opcc_staff, force_a)
    assert _ask(opcc_staff, build) == "body 2"


def test_a_request_that_changes_data_notes_its_sender_as_a_writer(
    redis_cache, client, police_lead_a, action_a
):
    client.force_login(police_lead_a)
    client.get(MY_ACTIONS)
    assert cache.get(pagecache._writer_key(police_lead_a.pk)) is None
    response = client.post(
        reverse("recommendations:update_create", args=[action_a.pk]),
        {"narrative": "Twelve more investigators trained.", "rag": "green", "percent_complete": 40},
    )
    assert response.status_code == 302
    assert cache.get(pagecache._writer_key(police_lead_a.pk)) == 1


def test_a_post_that_changes_no_page_notes_nobody(redis_cache, client, opcc_staff):
    """Choosing a language (or signing in) changes nothing a cached body shows."""
    client.force_login(opcc_staff)
    response = client.post(reverse("switch_language"), {"language": "cy", "next": REGISTER})
    assert response.status_code == 302
    assert cache.get(pagecache._writer_key(opcc_staff.pk)) is None


def test_when_the_first_render_fails_the_others_render_it_themselves(redis_cache, opcc_staff):
    import threading

    calls = []
    lock = threading.Lock()

    def build():
        with lock:
            calls.append(1)
            first = len(calls) == 1
        if first:
            raise RuntimeError("the first render failed")
        return "body"

    from django.test import RequestFactory

    bodies = _burst(opcc_staff, build, n=4)
    # The first render failed (its request gets the error page); the others rendered the
    # page themselves after waiting, and no lock is left behind.
    assert sorted(bodies) == ["body", "body", "body", "the first render failed"]
    request = RequestFactory().get(REGISTER)
    request.user = opcc_staff
    key = pagecache.page_key(request, "register")
    generations, _cached, _also = pagecache._look_up(
        key, pagecache._user_generation_keys(opcc_staff)
    )
    assert cache.add(pagecache._lock_key(key, generations), 1)  # free: nobody holds it


# --- A change drops the pages of those who can see it, and only theirs ------------------


def _post_update(action, lead, *, percent=40):
    """A progress update posted by the action's lead through the service layer."""
    return progress_update_submit(
        action=action,
        author=lead,
        narrative="Twelve more investigators trained this month.",
        rag=Rag.AMBER,
        percent_complete=percent,
    )


def _edit_wording(recommendation, by, text):
    """OPCC staff correct a recommendation's wording through the service layer."""
    recommendation.refresh_from_db()
    fields = {"text": text, "reference": recommendation.reference}
    return recommendation_update(
        recommendation=recommendation, by=by, fields=fields, version=version_of(recommendation)
    )


def test_an_update_in_force_a_keeps_office_bs_register_cached(
    client, opcc_staff_b, recommendation_b, action_a, police_lead_a
):
    client.force_login(opcc_staff_b)
    client.get(REGISTER)
    _post_update(action_a, police_lead_a)
    assert _from_cache(client.get(REGISTER))


def test_an_update_in_force_a_keeps_office_bs_dashboard_cached(
    client, opcc_staff_b, recommendation_b, action_a, police_lead_a
):
    client.force_login(opcc_staff_b)
    client.get(DASHBOARD)
    _post_update(action_a, police_lead_a)
    assert _from_cache(client.get(DASHBOARD))


def test_an_update_in_force_a_drops_office_as_register(client, opcc_staff, action_a, police_lead_a):
    client.force_login(opcc_staff)
    client.get(REGISTER)
    _post_update(action_a, police_lead_a)
    assert not _from_cache(client.get(REGISTER))


def test_an_update_in_force_a_drops_office_as_dashboard(
    client, opcc_staff, action_a, police_lead_a
):
    client.force_login(opcc_staff)
    client.get(DASHBOARD)
    _post_update(action_a, police_lead_a)
    assert not _from_cache(client.get(DASHBOARD))


def test_an_update_in_force_a_keeps_force_bs_leads_page_cached(
    client, police_lead_b, action_b, action_a, police_lead_a
):
    client.force_login(police_lead_b)
    client.get(MY_ACTIONS)
    _post_update(action_a, police_lead_a)
    assert "mine" not in client.get(MY_ACTIONS).context  # from the cache


def test_a_recommendation_edit_in_force_a_keeps_office_bs_pages_cached(
    client, opcc_staff, opcc_staff_b, recommendation_a, recommendation_b
):
    client.force_login(opcc_staff_b)
    client.get(REGISTER)
    client.get(DASHBOARD)
    _edit_wording(recommendation_a, opcc_staff, "Corrected in force A only.")
    assert _from_cache(client.get(REGISTER))
    assert _from_cache(client.get(DASHBOARD))


def test_a_recommendation_edit_in_force_a_drops_office_as_dashboard(
    client, opcc_staff, recommendation_a
):
    client.force_login(opcc_staff)
    client.get(DASHBOARD)
    _edit_wording(recommendation_a, opcc_staff, "Corrected in force A.")
    assert not _from_cache(client.get(DASHBOARD))


def test_office_staff_see_their_own_edit_on_the_next_register(client, opcc_staff, recommendation_a):
    client.force_login(opcc_staff)
    client.get(REGISTER)
    _edit_wording(recommendation_a, opcc_staff, "The wording as the OPCC corrected it.")
    page = client.get(REGISTER)
    assert not _from_cache(page)
    assert "The wording as the OPCC corrected it." in page.content.decode()


def test_a_lead_sees_their_own_update_on_the_next_my_actions(client, police_lead_a, action_a):
    client.force_login(police_lead_a)
    client.get(MY_ACTIONS)
    _post_update(action_a, police_lead_a)
    page = client.get(MY_ACTIONS)
    assert "mine" in page.context  # rendered afresh, not from the cache
    mine = page.context["mine"]
    assert [row.action.awaiting_review for row in [*mine.due, *mine.rest]] == [True]


def _staff_of(office, username: str):
    return factories.person_with_role(username, User.Role.OPCC_STAFF, office=office)


@pytest.fixture
def region_staff(force_a, force_b):
    """OPCC staff of an office overseeing both forces (a reader of every force here)."""
    office = factories.OfficeFactory(name="Regional OPCC", forces=[force_a, force_b])
    return _staff_of(office, "region")


def test_a_reader_of_every_force_is_dropped_by_a_change_in_any_force(
    client, region_staff, action_a, police_lead_a, action_b, police_lead_b
):
    client.force_login(region_staff)
    client.get(DASHBOARD)
    _post_update(action_b, police_lead_b)
    assert not _from_cache(client.get(DASHBOARD))
    _post_update(action_a, police_lead_a)
    assert not _from_cache(client.get(DASHBOARD))


def test_a_partner_leads_page_is_dropped_by_a_change_in_any_force(
    client, partner_lead, partner_action_a, action_b, police_lead_b
):
    client.force_login(partner_lead)
    client.get(MY_ACTIONS)
    _post_update(action_b, police_lead_b)
    assert "mine" in client.get(MY_ACTIONS).context  # rendered afresh


def test_a_change_of_someones_role_drops_everyones_pages(
    client, opcc_staff_b, recommendation_b, police_lead_a
):
    client.force_login(opcc_staff_b)
    client.get(REGISTER)
    police_lead_a.role = police_lead_a.Role.PLAN_OWNER
    police_lead_a.save()
    assert not _from_cache(client.get(REGISTER))


def test_a_partner_agency_change_drops_everyones_pages(
    client, opcc_staff_b, recommendation_b, agency
):
    client.force_login(opcc_staff_b)
    client.get(DASHBOARD)
    agency.name = "County A children's services (renamed)"
    agency.save()
    assert not _from_cache(client.get(DASHBOARD))


def test_a_report_moved_to_another_force_drops_the_old_forces_pages(
    client, police_lead_a, report_a, force_b
):
    factories.RecommendationFactory(report=report_a, reference="MOVED1")
    client.force_login(police_lead_a)
    assert "MOVED1" in client.get(REGISTER).content.decode()
    report_a.force = force_b  # a report being logged, put right
    report_a.save()
    page = client.get(REGISTER)
    assert not _from_cache(page)
    assert "MOVED1" not in page.content.decode()


def test_a_follow_up_handed_over_drops_the_previous_owners_page(
    client, opcc_staff, police_lead_b, action_b, office_a, force_a
):
    """The previous owner is outside the review's office and force: the owner stored
    before the save is read, and their pages dropped too."""
    review = factories.DeepDiveReviewFactory(office=office_a, force=force_a)
    follow_up = factories.FollowUpFactory(review=review, owner=police_lead_b)
    colleague = _staff_of(office_a, "colleague")
    client.force_login(police_lead_b)
    assert "Bring the data back" in client.get(MY_ACTIONS).content.decode()
    follow_up_reassign(follow_up=follow_up, person=colleague, by=opcc_staff)
    page = client.get(MY_ACTIONS)
    assert "mine" in page.context  # rendered afresh
    assert "Bring the data back" not in page.content.decode()


def test_a_follow_ups_owner_outside_the_review_is_dropped(
    client, police_lead_b, action_b, office_a, force_a
):
    """An owner from another force sees the follow-up in "my actions" though the review
    is not theirs: their own generation is bumped."""
    review = factories.DeepDiveReviewFactory(office=office_a, force=force_a)
    follow_up = factories.FollowUpFactory(review=review, owner=police_lead_b)
    client.force_login(police_lead_b)
    client.get(MY_ACTIONS)
    follow_up.description = "Bring the corrected data back to the panel."
    follow_up.save()
    page = client.get(MY_ACTIONS)
    assert "mine" in page.context  # rendered afresh
    assert "Bring the corrected data back" in page.content.decode()


def test_the_offices_of_a_force_are_looked_up_once_per_global_generation(
    plan_a, office_a, django_assert_num_queries
):
    placement = pagecache.placement_of(type(plan_a), plan_a)
    assert placement == pagecache.Placement(forces=frozenset({plan_a.force_id}))
    with django_assert_num_queries(1):  # the offices overseeing force A
        pagecache.bump_generation(placement)
    with django_assert_num_queries(0):  # kept in the cache since
        pagecache.bump_generation(placement)
    assert pagecache._generation_keys(placement) == [
        pagecache.ANY_KEY,
        f"pagecache:generation:force:{plan_a.force_id}",
        f"pagecache:generation:office:{office_a.pk}",
    ]


def test_a_progress_update_is_placed_in_one_query(
    action_a, police_lead_a, django_assert_num_queries
):
    update = factories.ProgressUpdateFactory.build(action_id=action_a.pk, author=police_lead_a)
    with django_assert_num_queries(1):  # the action's plan's force
        placement = pagecache.placement_of(type(update), update)
    assert placement.forces == {action_a.plan.force_id}


def test_a_status_change_is_placed_through_its_recommendations_report_in_one_query(
    recommendation_a, report_a, django_assert_num_queries
):
    change = InspectorateStatusChange(recommendation_id=recommendation_a.pk)
    with django_assert_num_queries(1):  # two hops, one lookup
        placement = pagecache.placement_of(type(change), change)
    assert placement.forces == {report_a.force_id}
    change.recommendation = recommendation_a  # holding it (and its report): no query
    with django_assert_num_queries(0):
        assert pagecache.placement_of(type(change), change) == placement


def test_a_committee_pack_is_placed_with_its_meetings_office(
    office_a, office_b, django_assert_num_queries
):
    meeting = CommitteeMeeting.objects.create(
        office=office_b, committee=CommitteeMeeting.Committee.PANEL, meets_on=timezone.localdate()
    )
    pack = CommitteePack(meeting_id=meeting.pk)
    with django_assert_num_queries(1):
        assert pagecache.placement_of(CommitteePack, pack).offices == {office_b.pk}


def test_a_change_that_cannot_be_placed_drops_everyones_pages(agency):
    assert pagecache.placement_of(type(agency), agency) is None
    assert pagecache._generation_keys(None) == [pagecache.GENERATION_KEY]


def test_a_missing_generation_is_set_before_a_body_depends_on_it(
    client, opcc_staff, recommendation_a
):
    client.force_login(opcc_staff)
    client.get(REGISTER)
    cache.delete(f"pagecache:generation:office:{opcc_staff.office_id}")  # evicted
    assert not _from_cache(client.get(REGISTER))
    assert _from_cache(client.get(REGISTER))


def test_a_deep_dive_of_office_b_keeps_office_as_pages_cached(
    client, opcc_staff, recommendation_a, office_b, force_b
):
    client.force_login(opcc_staff)
    client.get(DASHBOARD)
    factories.DeepDiveReviewFactory(office=office_b, force=force_b)
    assert _from_cache(client.get(DASHBOARD))


def test_every_domain_model_is_placed_but_those_everyone_sees():
    """A new model is placed in its app's cache_scopes.py, or named here: a change to one
    of these drops every cached body."""
    unplaced = {
        model.__name__
        for model in pagecache.domain_models()
        if not model._meta.auto_created and model not in pagecache._placements
    }
    assert unplaced == {
        "Force",
        "Office",
        "PartnerAgency",
        "User",
        "NationalReport",
        "NationalRecommendation",
    }
