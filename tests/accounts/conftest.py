import pytest
from django.test import Client

from tests.accounts import identity_provider as idp


@pytest.fixture
def office_admin(opcc_staff):
    """OPCC A's administrator: looks after office A, force A and force A's partner agency."""
    opcc_staff.is_office_admin = True
    opcc_staff.save(update_fields=["is_office_admin"])
    return opcc_staff


@pytest.fixture
def office_admin_b(opcc_staff_b):
    opcc_staff_b.is_office_admin = True
    opcc_staff_b.save(update_fields=["is_office_admin"])
    return opcc_staff_b


@pytest.fixture
def admin_client(client, office_admin):
    client.force_login(office_admin)
    return client


@pytest.fixture(scope="session")
def identity_provider(tmp_path_factory):
    """A real OpenID Connect provider on loopback (identity_provider.py), once per process."""
    try:
        with idp.running_provider(tmp_path_factory.mktemp("oidc") / "provider.log") as issuer:
            yield issuer
    except idp.ProviderDidNotStart as error:
        pytest.fail(f"oidc-provider did not start: {error}")


@pytest.fixture
def single_sign_on(settings, identity_provider):
    """Single sign-on on, against the test provider; call it to change OIDC_* variables:
    single_sign_on(OIDC_TRUST_EMAIL="true")."""
    idp.configure_single_sign_on(settings, identity_provider)
    return lambda **environ: idp.configure_single_sign_on(settings, identity_provider, **environ)


@pytest.fixture
def site():
    """Django's test client on localhost, the host the provider's redirect URI names."""
    return Client(SERVER_NAME="localhost")
