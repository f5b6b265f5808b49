import pytest


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
