"""A real OpenID Connect provider for the single sign-on tests: panva's oidc-provider (an
npm dev dependency, oidc_provider/provider.mjs) run by node on loopback, so allauth's
discovery, PKCE, code exchange, ID token and userinfo calls all go over HTTP to a certified
implementation, not to a mock. The fixtures that use this are in conftest.py."""

import json
import os
import re
import select
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urljoin

import requests
from django.test import Client
from django.urls import reverse
from django.utils.csp import CSP

from oversight.settings import single_sign_on_apps, single_sign_on_form_action

PROVIDER_SCRIPT = Path(__file__).resolve().parent / "oidc_provider" / "provider.mjs"
CLIENT_ID = "oversight-tests"
CLIENT_SECRET = "a-client-secret-for-the-tests-only"
PROVIDER_NAME = "Police account"
PROVIDER_PASSWORD = "provider-password"

# The people the identity provider knows; the Django accounts are made per test. Each
# sends a "role" claim the site must ignore.
IDENTITIES = {
    # lead_a@example.org in the site's letter case differs from what the provider sends.
    "lead_a": {"sub": "idp-lead-a", "email": "Lead_A@Example.org", "email_verified": True},
    "stranger": {"sub": "idp-stranger", "email": "stranger@example.org", "email_verified": True},
    "unverified": {"sub": "idp-unverified", "email": "opcc_a@example.org", "email_verified": False},
    "leaver": {"sub": "idp-leaver", "email": "leaver@example.org", "email_verified": True},
    "invited": {"sub": "idp-invited", "email": "new.person@example.org", "email_verified": True},
}
for key, identity in IDENTITIES.items():
    identity.update(name=f"Provider Name {key}", role="opcc_staff", password=PROVIDER_PASSWORD)

# Any port matches: live_server's for Chromium, none for Django's test client on localhost.
CALLBACK_URL = "http://localhost/accounts/oidc/sso/login/callback/"


class ProviderDidNotStart(RuntimeError):
    pass


@contextmanager
def running_provider(log_path: Path) -> Iterator[str]:
    """Start oidc-provider on a port the system picks; yield its issuer URL; stop it."""
    node = shutil.which("node")
    if node is None:
        raise ProviderDidNotStart("node is not installed: run `make test`, which installs it.")
    env = {
        **os.environ,
        "OIDC_PORT": "0",
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_REDIRECT_URIS": CALLBACK_URL,
        "OIDC_ACCOUNTS": json.dumps(list(IDENTITIES.values())),
    }
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [node, str(PROVIDER_SCRIPT)], env=env, stdout=subprocess.PIPE, stderr=log, text=True
        )
    try:
        ready, _, _ = select.select([process.stdout], [], [], 20)
        line = process.stdout.readline() if ready else ""
        if not line.startswith("READY "):
            raise ProviderDidNotStart(f"{line!r}\n{log_path.read_text()}")
        yield line.split()[1]
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


def configure_single_sign_on(settings, issuer: str, **environ: str) -> dict:
    """Point the site at the provider through the same functions that build single sign-on
    from OIDC_* variables at start-up."""
    apps = single_sign_on_apps(
        {
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_SERVER_URL": issuer,
            "OIDC_PROVIDER_NAME": PROVIDER_NAME,
            **environ,
        },
        debug=True,
    )
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": apps}
    }
    settings.SECURE_CSP = {
        **settings.SECURE_CSP,
        "form-action": [CSP.SELF, *single_sign_on_form_action(apps)],
    }
    return apps[0]


def sign_in_over_http(site: Client, identity: str):
    """The single sign-on journey over HTTP: the site through Django's test client (on
    localhost), the provider through requests. Returns the site's answer to the provider's
    redirect back."""
    start = site.post(reverse("openid_connect_login", kwargs={"provider_id": "sso"}))
    assert start.status_code == 302, start
    with requests.Session() as browser_at_provider:
        login_page = browser_at_provider.get(start["Location"], timeout=10)
        action = re.search(r'<form method="post" action="([^"]+)"', login_page.text)
        assert action, login_page.text
        response = browser_at_provider.post(
            urljoin(login_page.url, action.group(1)),
            data={"login": IDENTITIES[identity]["email"], "password": PROVIDER_PASSWORD},
            allow_redirects=False,
            timeout=10,
        )
        while response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if location.startswith(CALLBACK_URL):
                return site.get(location.removeprefix("http://localhost"))
            response = browser_at_provider.get(location, allow_redirects=False, timeout=10)
    raise AssertionError(f"The provider did not send the person back: {response.text[:500]}")
