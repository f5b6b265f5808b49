"""The navigation bar's links by role and the signed-in person's menu, written in Python
rather than by templates: every page draws them, and as templates they took about 1.6 ms
of each page (twenty-odd URL reversals and a node per link). A link appears once its page
exists (an unknown URL name is left out, as {% url … as %} left it) and only for the roles
that use it."""

from collections.abc import Callable

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy

from oversight.models import User
from oversight.shared.urls import url_of

register = template.Library()

# (URL name, label, whether the user is shown it), in the bar's order.
_LINKS: tuple[tuple[str, str, Callable[[User], bool]], ...] = (
    ("recommendations:dashboard", gettext_lazy("Dashboard"), lambda user: user.is_opcc),
    ("recommendations:my_actions", gettext_lazy("My actions"), lambda user: not user.is_opcc),
    ("oversight:report_list", gettext_lazy("Reports"), lambda user: True),
    ("recommendations:register", gettext_lazy("Recommendations"), lambda user: True),
    ("recommendations:plan_list", gettext_lazy("Action plans"), lambda user: not user.is_partner),
    ("reviews:review_list", gettext_lazy("Deep dives"), lambda user: not user.is_partner),
    ("reviews:investment_list", gettext_lazy("Investments"), lambda user: user.is_opcc),
    (
        "letters:pack_list",
        gettext_lazy("Committee packs"),
        lambda user: user.is_opcc and bool(user.office_id),
    ),
    ("accounts:people", gettext_lazy("People"), lambda user: user.is_office_admin),
)


def _required(name: str) -> str:
    """The address of a page that always exists: reverse() raises should it go missing."""
    return url_of(name) or reverse(name)


def _current(request, url: str) -> str:
    """The class and attribute that mark the link to the page shown."""
    return ' active" aria-current="page' if request.path == url else ""


@register.simple_tag(takes_context=True)
def nav_items(context) -> str:
    """The bar's links for the signed-in user: {% nav_items %}."""
    request, user = context["request"], context["user"]
    items = []
    for name, label, shown in _LINKS:
        if shown(user) and (url := url_of(name)):
            items.append(
                f'<li class="nav-item"><a class="nav-link{_current(request, url)}" '
                f'href="{conditional_escape(url)}">{conditional_escape(label)}</a></li>'
            )
    # Safe: the labels and addresses are escaped.
    return mark_safe("\n".join(items))  # noqa: S308


@register.simple_tag(takes_context=True)
def nav_user(context) -> str:
    """The notifications link (with the unread count) and the signed-in person's menu:
    their role and organisation, the office's public site, their settings and signing
    out. {% nav_user %}"""
    request, user = context["request"], context["user"]
    esc = conditional_escape
    html = []
    if notifications_url := url_of("reminders:notifications"):
        unread, unread_label = context.get("unread_notifications"), gettext("unread")
        badge = (
            f'\n<span class="badge text-bg-warning">{esc(unread)}<span class="visually-hidden">'
            f" {esc(unread_label)}</span></span>"
            if unread
            else ""
        )
        label = gettext("Notifications")
        html.append(
            f'<li class="nav-item">\n<a class="nav-link{_current(request, notifications_url)}" '
            f'href="{esc(notifications_url)}">{esc(label)}{badge}</a>\n</li>'
        )
    role = user.get_role_display() or gettext("No role")
    organisation = f"<br>{esc(user.organisation)}" if user.organisation else ""
    menu = [
        f'<li><span class="dropdown-item-text small">\n<strong>{esc(role)}</strong>'
        f"{organisation}\n</span></li>"
    ]
    # The office's public site sits here, not in the bar: the bar is full at 1280 px.
    if user.is_opcc and user.office_id:
        match = request.resolver_match
        current = (
            ' active" aria-current="page'
            if match and match.view_name == "letters:public_site"
            else ""
        )
        label = gettext("Public site")
        menu.append(
            f'<li><a class="dropdown-item{current}" href="{esc(_required("letters:public_site"))}">'
            f"{esc(label)}</a></li>\n"
            '<li><hr class="dropdown-divider"></li>'
        )
    for name, label in (
        ("reminders:preferences", gettext("Reminder preferences")),
        ("reminders:calendar_link", gettext("Calendar link")),
    ):
        if url := url_of(name):
            menu.append(f'<li><a class="dropdown-item" href="{esc(url)}">{esc(label)}</a></li>')
    for name, label in (
        ("accounts:api_tokens", gettext("API tokens")),
        ("account_change_password", gettext("Change password")),
        ("mfa_index", gettext("Two-factor sign-in")),
    ):
        menu.append(
            f'<li><a class="dropdown-item" href="{esc(_required(name))}">{esc(label)}</a></li>'
        )
    sign_out = gettext("Sign out")
    menu += [
        '<li><hr class="dropdown-divider"></li>',
        f'<li>\n<form method="post" action="{esc(reverse("logout"))}">'
        f"{CsrfTokenNode().render(context)}\n"
        f'<button type="submit" class="dropdown-item">{esc(sign_out)}</button>\n'
        "</form>\n</li>",
    ]
    html.append(
        '<li class="nav-item dropdown">\n<button class="nav-link dropdown-toggle" '
        'type="button" data-bs-toggle="dropdown" aria-expanded="false">\n'
        f"{esc(user)}\n</button>\n"
        '<ul class="dropdown-menu dropdown-menu-end">\n' + "\n".join(menu) + "\n</ul>\n</li>"
    )
    # Safe: every text and address is escaped.
    return mark_safe("\n".join(html))  # noqa: S308
