"""The one extension point left: pages that show things from apps further downstream.

It stays because an upstream page must show downstream data and an import cannot point
that way: the report page shows the letters and deep dives, the recommendation page the
follow-ups and investments, the action page who was reminded when, the dashboard and "my
actions" the deep-dive assurance and follow-ups, a person's page what they leave behind.
Everywhere else the apps import each other directly, downstream to upstream. A downstream
app registers a panel for a page in its AppConfig.ready(); the page's view asks for the
panels and renders each one's template with its context.

    panels.register("recommendation_detail", template="reviews/_panel_recommendation.html",
                    context=recommendation_panel, order=50)

`context(user=..., obj=...)` must scope everything to the user (a `*_visible_to` selector)
and run a fixed number of queries, whatever the number of rows.

A panel that is empty for most objects may say so on the page's own row: `has_any` gives
an expression (whether anything at all is there for the object, whoever may see it), which
the page's queryset annotates (row_annotations()), and panels_for() leaves the panel out,
without running its context, where it is false.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PAGES = {
    "report_detail",
    "recommendation_detail",
    "action_detail",
    "dashboard",
    "my_actions",
    # An office administrator's page for one person (oversight/accounts): a leaver's open
    # actions, plans, follow-ups and updates awaiting review, to hand to someone else.
    "person",
}


@dataclass(frozen=True)
class Panel:
    template: str
    context: Callable[..., dict]
    order: int = 100
    has_any: Callable[[], Any] | None = None

    @property
    def annotation(self) -> str:
        """The name the page's row is annotated with has_any() under."""
        return "panel_any_" + re.sub(r"\W", "_", self.template)


@dataclass(frozen=True)
class RenderedPanel:
    template: str
    context: dict


_registry: dict[str, list[Panel]] = {page: [] for page in PAGES}


def register(
    page: str,
    *,
    template: str,
    context: Callable[..., dict],
    order: int = 100,
    has_any: Callable[[], Any] | None = None,
) -> None:
    if page not in PAGES:
        raise ValueError(f"Unknown page {page!r}; known pages: {sorted(PAGES)}")
    panel = Panel(template=template, context=context, order=order, has_any=has_any)
    if panel not in _registry[page]:
        _registry[page].append(panel)
        _registry[page].sort(key=lambda p: p.order)


def row_annotations(page: str) -> dict[str, Any]:
    """What the page's queryset annotates its row with: each panel's has_any()."""
    return {panel.annotation: panel.has_any() for panel in _registry[page] if panel.has_any}


def panels_for(page: str, *, user, obj=None) -> list[RenderedPanel]:
    """The panels for a page, each with its context; a panel with nothing to show (its
    row annotation says there is nothing, or its context function returns None) is left
    out."""
    rendered = []
    for panel in _registry[page]:
        if panel.has_any and not getattr(obj, panel.annotation, True):
            continue
        context = panel.context(user=user, obj=obj)
        if context is not None:
            rendered.append(RenderedPanel(template=panel.template, context=context))
    return rendered
