"""How an action is named away from its own page. References restart in every plan, so
"A4" alone can mean two actions: the plan and its force go with it, as in
"A4 (Child protection action plan, Devon and Cornwall Police)"."""

from recommendations.models import Action


def action_name(reference: str, *, plan_title: str, report_title: str, force: str) -> str:
    """From plain values, for code that reads values rather than rows (reminders).
    A plan without a title is named by its report."""
    return f"{reference} ({plan_title or report_title}, {force})"


def action_name_columns(relation: str = "") -> tuple[str, ...]:
    """The columns action_name_of() reads, for only() beside select_related("plan__report",
    "plan__force") (through `relation` from a row joined to the action)."""
    prefix = f"{relation}__" if relation else ""
    return tuple(
        f"{prefix}{column}"
        for column in ("reference", "plan__title", "plan__report__title", "plan__force__name")
    )


def action_name_of(action: Action) -> str:
    """From a row loaded with select_related("plan__report", "plan__force")."""
    plan = action.plan
    return action_name(
        action.reference,
        plan_title=plan.title,
        report_title=plan.report.title,
        force=plan.force.name,
    )
