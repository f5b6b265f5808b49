"""Authentication backend: the signed-in user arrives with their organisation loaded, and
whether an office requires them to use two-factor sign-in, so the navigation bar, every
scoping function and the two-factor rule need no extra query."""

from collections.abc import Callable
from functools import cache

from allauth.account.auth_backends import AuthenticationBackend
from django.db import connection
from django.db.models import BooleanField, CharField, Expression
from django.db.models.expressions import RawSQL

from oversight.models import Office, PartnerAgency, User
from oversight.shared.built_querysets import built_once, rows_where

# Whether an office requiring two-factor sign-in administers the person (the names are
# filled in from the models by _two_factor_required_sql).
_TWO_FACTOR_REQUIRED = """EXISTS (
  SELECT 1 FROM "{office}" tf_o WHERE tf_o."require_two_factor" AND (
    tf_o."id" = "{user}"."{user_office}"
    OR tf_o."id" IN (
      SELECT tf_of."{of_office}" FROM "{office_forces}" tf_of
      WHERE tf_of."{of_force}" = "{user}"."{user_force}")
    OR tf_o."id" IN (
      SELECT tf_of."{of_office}" FROM "{office_forces}" tf_of
      JOIN "{agency_forces}" tf_af ON tf_af."{af_force}" = tf_of."{of_force}"
      WHERE tf_af."{af_agency}" = "{user}"."{user_agency}")))"""


@cache
def _two_factor_required_sql() -> str:
    office_forces, agency_forces = Office.forces.field, PartnerAgency.forces.field
    return _TWO_FACTOR_REQUIRED.format(
        office=Office._meta.db_table,
        user=User._meta.db_table,
        user_office=User._meta.get_field("office").column,
        user_force=User._meta.get_field("force").column,
        user_agency=User._meta.get_field("partner_agency").column,
        office_forces=office_forces.remote_field.through._meta.db_table,
        of_office=office_forces.m2m_column_name(),
        of_force=office_forces.m2m_reverse_name(),
        agency_forces=agency_forces.remote_field.through._meta.db_table,
        af_agency=agency_forces.m2m_column_name(),
        af_force=agency_forces.m2m_reverse_name(),
    )


def two_factor_required_expression() -> RawSQL:
    """True where an office that requires two-factor sign-in administers the person: their
    own office, an office overseeing their force, or one overseeing a force their partner
    agency works with.

    Written in SQL, built once from the models' tables: it rides on the query that loads the
    signed-in user on every request, and Django took longer to compile the same test as a
    queryset (an Exists over two many-to-many paths, ~0.9 ms) than PostgreSQL takes to run
    it. Only table and column names go into the text; it takes no parameters. It names the
    user table unaliased, as the user's own query does."""
    return RawSQL(_two_factor_required_sql(), [], output_field=BooleanField())  # noqa: S611


# The forces the person's office oversees, their ids joined by commas (NULL for none).
_OVERSEEN_FORCES = {
    "postgresql": """(SELECT string_agg(of_f."{of_force}"::text, ',')
  FROM "{office_forces}" of_f WHERE of_f."{of_office}" = "{user}"."{user_office}")""",
    "sqlite": """(SELECT group_concat(of_f."{of_force}", ',')
  FROM "{office_forces}" of_f WHERE of_f."{of_office}" = "{user}"."{user_office}")""",
}


@cache
def _overseen_forces_sql(vendor: str) -> str:
    office_forces = Office.forces.field
    return _OVERSEEN_FORCES[vendor].format(
        user=User._meta.db_table,
        user_office=User._meta.get_field("office").column,
        office_forces=office_forces.remote_field.through._meta.db_table,
        of_office=office_forces.m2m_column_name(),
        of_force=office_forces.m2m_reverse_name(),
    )


def overseen_forces_expression() -> RawSQL:
    """The ids of the forces the person's office oversees, joined by commas: loaded with
    the signed-in user, so that OPCC staff's and readers' scoping
    (oversight.selectors.overseen_force_ids) names their forces rather than repeating the
    office's lookup as a subquery in every query of the page, which PostgreSQL then plans
    again and again. Built once per database from the models' names; no parameters."""
    return RawSQL(_overseen_forces_sql(connection.vendor), [], output_field=CharField())  # noqa: S611


# name -> function returning an expression over the user row, annotated on the signed-in
# user as every page loads them (other apps add theirs from their AppConfig.ready()).
_loaded_with: dict[str, Callable[[], Expression]] = {}


def load_user_with(name: str, expression: Callable[[], Expression]) -> None:
    """Have the signed-in user arrive with `name` annotated, rather than a query of its own
    on every page: the unread notifications the navigation bar counts, say."""
    _loaded_with[name] = expression


class OversightBackend(AuthenticationBackend):
    """allauth's backend (sign-in by username or e-mail address) with the user loaded as
    every page needs them."""

    def get_user(self, user_id):
        # On every request: the read is compiled once (oversight.shared.built_querysets).
        rows = rows_where(_users_as_loaded(tuple(_loaded_with)), "pk", user_id)
        user = rows[0] if rows else None
        return user if user is not None and self.user_can_authenticate(user) else None


@built_once
def _users_as_loaded(loaded_with: tuple[str, ...]):
    """The users as every page loads the signed-in one, with what the apps have asked to
    load with them (`loaded_with`: their names, in order)."""
    return User._default_manager.select_related("office", "force", "partner_agency").annotate(
        two_factor_required=two_factor_required_expression(),
        overseen_forces=overseen_forces_expression(),
        **{name: _loaded_with[name]() for name in loaded_with},
    )
