from django import template

from recommendations.action_names import action_name_of

register = template.Library()


@register.filter
def action_name(action) -> str:
    """`{{ action|action_name }}`: "A4 (its plan, its force)". The action needs
    select_related("plan__report", "plan__force"), or the name costs queries per row."""
    return action_name_of(action)
