"""Every page for every persona, in Welsh: the permission matrix walked again with every
persona's account (and the anonymous visitor's cookie) set to Welsh. Each URL must give
the same outcome as in English, with no server error, nothing written by a GET or a
refused POST, and no leak; each HTML page must say it is in Welsh and read in Welsh."""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests import test_permission_matrix as matrix
from tests.hardening_world import ANONYMOUS, PERSONAS

pytestmark = pytest.mark.long

# The matrix's fixtures: its personas, their world and their signed-in clients.
personas, world, clients = matrix.personas, matrix.world, matrix.clients

# Words every page of the site shows in its own language: the footer's.
ENGLISH_FOOTER = "Oversight of HMICFRS inspection recommendations"


def test_every_page_for_every_persona_in_welsh(world, clients, personas):
    for user in personas.values():
        user.language = "cy"
        user.save(update_fields=["language"])
    clients[ANONYMOUS].cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    with translation.override("cy"):  # the public pages' Welsh addresses: /cy/public/...
        checked, problems = matrix.run_matrix(world, clients, personas)
    assert checked == len(matrix.EXPECTATIONS) * (len(PERSONAS) + 1) * 2
    assert not problems, f"{len(problems)} of {checked} checks failed:\n" + "\n".join(problems)


def test_every_html_page_says_and_reads_welsh(world, clients, personas):
    """Each page a persona may open, as that persona in Welsh: <html lang="cy">, and the
    site's own footer in Welsh, not English."""
    for user in personas.values():
        user.language = "cy"
        user.save(update_fields=["language"])
    english = []
    opened = 0
    with translation.override("cy"):
        for name, expect in matrix.EXPECTATIONS.items():
            if "/" in name or expect.same_for_all is not None or expect.get is None:
                continue
            if not expect.get and not expect.public:
                continue
            path = reverse(name, args=expect.args(world))
            if path.startswith("/api/"):
                continue  # the API and its Swagger page are for programmers: English
            who = sorted(expect.get)[0] if expect.get else "opcc_staff"
            response, text, _, _ = matrix._request(clients[who], "GET", path, {})
            if response.status_code != 200 or "<html" not in text[:300]:
                continue
            opened += 1
            lang = re.search(r'<html lang="([^"]+)"', text)
            if not lang or lang.group(1) != "cy":
                english.append(f"{path} as {who}: <html lang={lang and lang.group(1)}>")
            if ENGLISH_FOOTER in text:
                english.append(f"{path} as {who}: the footer is in English")
    assert opened > 80
    assert not english, "\n".join(english)
