from django import template
from django.template.defaultfilters import filesizeformat, linebreaksbr
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape, linebreaks
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from oversight.shared.dates import day_text
from recommendations.action_names import action_name_of
from recommendations.models import ProgressUpdate
from recommendations.templatetags.rag_tags import rag_badge

register = template.Library()


@register.filter
def action_name(action) -> str:
    """`{{ action|action_name }}`: "A4 (its plan, its force)". The action needs
    select_related("plan__report", "plan__force"), or the name costs queries per row."""
    return action_name_of(action)


@register.simple_tag
def evidence_list(files) -> str:
    """Files as download links (served only through the permission-checked view), each
    with its size: {% evidence_list files %}."""
    if not files:
        return ""
    esc = conditional_escape
    items = "\n".join(
        f'<li><a href="{esc(evidence.get_absolute_url())}" download>'
        f"{esc(evidence.original_name)}</a> "
        f'<span class="small text-body-secondary">{filesizeformat(evidence.size)}</span></li>'
        for evidence in files
    )
    # Safe: the names and addresses are escaped, filesizeformat's output is safe.
    return mark_safe(f'\n<ul class="list-unstyled evidence-list mb-0">\n{items}\n</ul>\n')  # noqa: S308


@register.simple_tag(takes_context=True)
def update_card(context, update) -> str:
    """One progress update on the action page (its `files` and `can_review` set by the
    view), with the OPCC's review form when the viewer may review it: {% update_card u %}.
    Written here rather than as an included template: the page draws one per update."""
    esc = conditional_escape
    state = esc(update.review_state)
    by = gettext("by %(author)s") % {"author": esc(update.author)}
    heading = [
        f'<span class="fw-semibold">{esc(day_text(update.written_on, "j M Y"))}</span>',
        f'<span class="text-body-secondary">{by}</span>',
    ]
    if update.resubmission_of:
        written = esc(day_text(update.resubmission_of.written_on, "j M"))
        resubmission = gettext("Resubmission of %(written)s") % {"written": written}
        heading.append(f'<span class="badge text-bg-light border">{resubmission}</span>')
    complete = gettext("%(percent)s%% complete") % {
        "percent": esc(localize(update.percent_complete))
    }
    lines = [
        "",
        f'<article class="card mb-2 update-card update-{state}" id="update-{update.pk}">',
        '<div class="card-body">',
        '<div class="d-flex justify-content-between flex-wrap gap-2 mb-2">',
        "<div>",
        *heading,
        "</div>",
        '<div class="d-flex gap-2 align-items-center">',
        rag_badge(update.rag, update.get_rag_display()),
        f'<span class="small">{complete}</span>',
        f'<span class="badge review-state review-{state}">'
        f"{esc(update.get_review_state_display())}</span>",
        "</div>",
        "</div>",
        f'<div class="update-narrative">{linebreaks(update.narrative, autoescape=True)}</div>',
        evidence_list(update.files),
    ]
    if update.review_state in (ProgressUpdate.Review.RETURNED, ProgressUpdate.Review.ACCEPTED):
        who = esc(update.reviewed_by)
        on = esc(day_text(update.reviewed_at, "j M Y"))
        if update.review_state == ProgressUpdate.Review.RETURNED:
            said = gettext("Returned by %(who)s on %(on)s:") % {"who": who, "on": on}
            lines.append(
                f'<div class="alert alert-danger mt-2 mb-0 py-2"><span class="fw-semibold">'
                f"{said}</span> {linebreaksbr(update.review_comment, autoescape=True)}</div>"
            )
        else:
            said = gettext("Accepted by %(who)s on %(on)s.") % {"who": who, "on": on}
            lines.append(f'<p class="small text-body-secondary mt-2 mb-0">{said}</p>')
    if update.can_review:
        action = esc(reverse("recommendations:update_review", args=[update.pk]))
        label = esc(gettext("Reason for returning (required to return; the lead sees it)"))
        accept, give_back = esc(gettext("Accept update")), esc(gettext("Return with reason"))
        lines += [
            f'<form method="post" action="{action}" '
            'class="update-review-form border-top mt-3 pt-3">',
            CsrfTokenNode().render(context),
            f'<label class="form-label small" for="comment-{update.pk}">{label}</label>',
            f'<textarea class="form-control mb-2" name="comment" id="comment-{update.pk}" '
            'rows="2"></textarea>',
            '<button type="submit" name="decision" value="accept" class="btn btn-success '
            f'btn-sm">{accept}</button>',
            '<button type="submit" name="decision" value="return" class="btn '
            f'btn-outline-danger btn-sm">{give_back}</button>',
            "</form>",
        ]
    lines += ["</div>", "</article>", ""]
    # Safe: every text is escaped, the narrative and comment by linebreaks, linebreaksbr.
    return mark_safe("\n".join(lines))  # noqa: S308
