"""Office administration (people, invitations, roles, leavers, the two-factor rule, the
audit log) and accepting an invitation. Every administration page is for office
administrators only (403 for anyone else); another office's people are 404s."""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, Max, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oversight.accounts import forms, services
from oversight.accounts.models import AccountEvent, Invitation
from oversight.accounts.selectors import (
    account_events_visible_to,
    invitations_visible_to,
    is_office_admin,
    people_administered_by,
    person_for_admin,
)
from oversight.models import User
from oversight.shared import panels
from oversight.shared.forms import error_status, refusals_onto

EVENTS_ON_PERSON_PAGE = 20
EVENTS_PER_PAGE = 50


def _require_office_admin(user: User) -> None:
    if not is_office_admin(user):
        raise PermissionDenied(_("Only an office administrator can manage people."))


def _person_or_404(admin: User, pk: int) -> User:
    person = person_for_admin(admin, pk)
    if person is None:
        raise Http404(_("No such person in the organisations you administer."))
    return person


@require_GET
@login_required
def email_set_by_administrator(request):
    return render(request, "accounts/email_set_by_administrator.html")


@require_GET
@login_required
def two_factor_needed(request):
    return render(request, "accounts/two_factor_needed.html")


@require_GET
@login_required
def people(request):
    _require_office_admin(request.user)
    status = request.GET.get("status", "active")
    if status not in {"active", "left", "all"}:
        status = "active"
    people = people_administered_by(request.user).annotate(
        two_factor_on=Exists(
            Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
        )
    )
    if status == "active":
        people = people.filter(is_active=True)
    elif status == "left":
        people = people.filter(is_active=False)
    people = people.order_by("last_name", "first_name", "username")
    invitations = list(
        invitations_visible_to(request.user)
        .filter(accepted_at__isnull=True, revoked_at__isnull=True)
        .order_by("-created_at")
    )
    return render(
        request,
        "accounts/people.html",
        {
            "people": people,
            "status": status,
            "invitations": invitations,
            "office": request.user.office,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def invite(request):
    _require_office_admin(request.user)
    form = forms.InvitationForm(
        request.POST if request.method == "POST" else None, admin=request.user
    )
    if request.method == "POST" and form.is_valid():
        with refusals_onto(form):
            invitation, _token = services.invitation_create(
                admin=request.user,
                email=form.cleaned_data["email"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                job_title=form.cleaned_data["job_title"],
                role=form.cleaned_data["role"],
                organisation=form.cleaned_data["organisation"],
                request=request,
            )
            days = _days_left(invitation)
            messages.success(
                request,
                ngettext(
                    "Invitation sent to %(email)s. The link works once, for %(days)d day.",
                    "Invitation sent to %(email)s. The link works once, for %(days)d days.",
                    days,
                )
                % {"email": invitation.email, "days": days},
            )
            return redirect("accounts:people")
    status = error_status(form) if form.is_bound else 200
    return render(
        request,
        "accounts/invite.html",
        {"form": form, "valid_days": settings.INVITATION_VALID_DAYS},
        status=status,
    )


def _days_left(invitation: Invitation) -> int:
    return max(1, (invitation.expires_at - invitation.created_at).days)


@require_POST
@login_required
def invitation_withdraw(request, pk: int):
    _require_office_admin(request.user)
    invitation = get_object_or_404(invitations_visible_to(request.user), pk=pk)
    try:
        services.invitation_withdraw(invitation=invitation, admin=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The invitation to %(email)s no longer works.") % {"email": invitation.email},
        )
    return redirect("accounts:people")


@require_GET
@login_required
def person_detail(request, pk: int):
    _require_office_admin(request.user)
    person = _person_or_404(request.user, pk)
    person_events = account_events_visible_to(request.user).filter(subject=person)
    events = list(
        person_events.select_related("actor").order_by("-created_at")[:EVENTS_ON_PERSON_PAGE]
    )
    last_sign_in = person_events.filter(kind=AccountEvent.Kind.SIGNED_IN).aggregate(
        at=Max("created_at")
    )["at"]
    two_factor_on = Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).exists()
    return render(
        request,
        "accounts/person_detail.html",
        {
            "person": person,
            "events": events,
            "last_sign_in": last_sign_in,
            "two_factor_on": two_factor_on,
            "deactivate_form": forms.DeactivateForm(),
            "panels": panels.panels_for("person", user=request.user, obj=person),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk: int):
    _require_office_admin(request.user)
    person = _person_or_404(request.user, pk)
    form = forms.PersonForm(
        request.POST if request.method == "POST" else None, admin=request.user, person=person
    )
    if request.method == "POST" and form.is_valid():
        with refusals_onto(form):
            services.person_update(
                admin=request.user, person=person, request=request, **form.cleaned_data
            )
            messages.success(request, _("%(person)s's details are saved.") % {"person": person})
            return redirect("accounts:person_detail", pk=person.pk)
    status = error_status(form) if form.is_bound else 200
    return render(
        request, "accounts/person_edit.html", {"form": form, "person": person}, status=status
    )


@require_POST
@login_required
def person_deactivate(request, pk: int):
    _require_office_admin(request.user)
    person = _person_or_404(request.user, pk)
    form = forms.DeactivateForm(request.POST)
    if form.is_valid():
        try:
            services.person_deactivate(
                admin=request.user,
                person=person,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(person)s can no longer sign in. Hand on what they leave behind below.")
                % {"person": person},
            )
    else:
        messages.error(request, _("The reason is too long: keep it under 300 characters."))
    return redirect("accounts:person_detail", pk=person.pk)


@require_POST
@login_required
def person_reactivate(request, pk: int):
    _require_office_admin(request.user)
    person = _person_or_404(request.user, pk)
    try:
        services.person_reactivate(admin=request.user, person=person, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(person)s can sign in again.") % {"person": person})
    return redirect("accounts:person_detail", pk=person.pk)


@require_POST
@login_required
def person_reset_two_factor(request, pk: int):
    _require_office_admin(request.user)
    person = _person_or_404(request.user, pk)
    try:
        services.person_reset_two_factor(admin=request.user, person=person, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _(
                "%(person)s's authenticator app and recovery codes no longer work. They can "
                "set up a new app from their name in the menu bar."
            )
            % {"person": person},
        )
    return redirect("accounts:person_detail", pk=person.pk)


@require_GET
@login_required
def activity(request):
    _require_office_admin(request.user)
    kind = request.GET.get("kind", "")
    events = account_events_visible_to(request.user).order_by("-created_at")
    if kind in AccountEvent.Kind.values:
        events = events.filter(kind=kind)
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/activity.html",
        {"page_obj": page, "kind": kind, "kinds": AccountEvent.Kind.choices},
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_rule(request):
    _require_office_admin(request.user)
    office = request.user.office
    form = forms.TwoFactorRuleForm(
        request.POST if request.method == "POST" else None,
        initial={
            "require_two_factor": office.require_two_factor,
            "letter_language": office.letter_language,
        },
    )
    if request.method == "POST" and form.is_valid():
        required = form.cleaned_data["require_two_factor"]
        with refusals_onto(form):
            services.office_set_two_factor_rule(
                admin=request.user, required=required, request=request
            )
            services.office_set_letter_language(
                admin=request.user, letter_language=form.cleaned_data["letter_language"]
            )
            messages.success(
                request,
                _("Two-factor sign-in is now required.")
                if required
                else _("Two-factor sign-in is now each person's choice."),
            )
            return redirect("accounts:people")
    status = error_status(form) if form.is_bound else 200
    return render(
        request, "accounts/two_factor_rule.html", {"form": form, "office": office}, status=status
    )


@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    invitation = services.invitation_by_token(token)
    if invitation is None or invitation.state != Invitation.State.PENDING:
        return render(
            request,
            "accounts/invitation_unusable.html",
            {"invitation": invitation},
            status=410 if invitation is not None else 404,
        )
    if request.user.is_authenticated:
        return render(
            request, "accounts/invitation_signed_in.html", {"invitation": invitation}, status=409
        )
    form = forms.AcceptInvitationForm(
        request.POST if request.method == "POST" else None, invitation=invitation
    )
    if request.method == "POST" and form.is_valid():
        with refusals_onto(form):
            user = services.invitation_accept(
                invitation=invitation,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                request=request,
            )
            login(request, user, backend="oversight.auth.OversightBackend")
            messages.success(
                request,
                _("Welcome, %(first_name)s. Your account is ready.")
                % {"first_name": user.first_name},
            )
            return redirect(reverse("home"))
    status = error_status(form) if form.is_bound else 200
    return render(
        request,
        "accounts/invitation_accept.html",
        {"form": form, "invitation": invitation},
        status=status,
    )
