"""Pages for committee meetings and packs: the list, a new meeting, a new pack, the pack
with its progress, render, issue and downloads.

Seeing: meetings_visible_to / packs_visible_to (the office's OPCC staff and read-only
users), answered with 404. Changing: can_manage_packs (its OPCC staff), answered with 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from letters import services_packs
from letters.forms_packs import MeetingForm, PackForm
from letters.models import CommitteePack
from letters.permissions import can_manage_packs, can_read_packs
from letters.selectors import meetings_visible_to, packs_visible_to
from oversight.shared.forms import error_status, refusals_onto
from oversight.shared.uploads import attachment_response, safe_filename

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _reader(request):
    if not can_read_packs(request.user):
        raise PermissionDenied("Committee packs are for the office's OPCC staff.")


def _manager(request):
    if not can_manage_packs(request.user, request.user.office):
        raise PermissionDenied("Only the office's OPCC staff prepare committee packs.")


@require_GET
@login_required
def pack_list(request):
    _reader(request)
    today = timezone.localdate()
    meetings = list(meetings_visible_to(request.user).order_by("-meets_on", "committee"))
    packs: dict[int, list[CommitteePack]] = {}
    for pack in packs_visible_to(request.user).order_by("-version"):
        packs.setdefault(pack.meeting_id, []).append(pack)
    for meeting in meetings:
        meeting.pack_list = packs.get(meeting.pk, [])
    return render(
        request,
        "letters/packs/list.html",
        {
            "upcoming": [m for m in reversed(meetings) if m.meets_on >= today],
            "past": [m for m in meetings if m.meets_on < today],
            "can_manage": can_manage_packs(request.user, request.user.office),
            "today": today,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def meeting_create(request):
    _manager(request)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals_onto(form):
            meeting = services_packs.meeting_create(by=request.user, **form.cleaned_data)
            messages.success(request, f"{meeting} added. Prepare its pack when you are ready.")
            return redirect("letters:pack_list")
    return render(
        request,
        "letters/packs/meeting_form.html",
        {"form": form},
        status=error_status(form) if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def pack_create(request, pk):
    _manager(request)
    meeting = get_object_or_404(meetings_visible_to(request.user), pk=pk)
    form = PackForm(
        request.POST or None,
        office=meeting.office,
        initial={"previous_meeting_on": services_packs.previous_meeting_day(meeting)},
    )
    if request.method == "POST" and form.is_valid():
        with refusals_onto(form):
            pack = services_packs.pack_create(meeting=meeting, by=request.user, **form.cleaned_data)
            messages.success(
                request,
                f"Version {pack.version} is being prepared. Its PDF and workbook appear here "
                "when the worker has made them.",
            )
            return redirect(pack)
    return render(
        request,
        "letters/packs/pack_form.html",
        {"form": form, "meeting": meeting},
        status=error_status(form) if form.is_bound else 200,
    )


def _visible_pack(request, pk) -> CommitteePack:
    _reader(request)
    return get_object_or_404(
        packs_visible_to(request.user).select_related(
            "meeting__office", "created_by", "issued_by", "render_requested_by"
        ),
        pk=pk,
    )


def _status_context(request, pack: CommitteePack) -> dict:
    return {
        "pack": pack,
        "can_manage": can_manage_packs(request.user, pack.meeting.office),
        "polling": pack.render_state
        in (CommitteePack.RenderState.QUEUED, CommitteePack.RenderState.RENDERING),
    }


@require_GET
@login_required
def pack_detail(request, pk):
    pack = _visible_pack(request, pk)
    return render(
        request,
        "letters/packs/detail.html",
        {
            **_status_context(request, pack),
            "forces": list(pack.forces.order_by("name")),
            "areas": list(pack.priority_areas.all()),
            "other_versions": list(
                packs_visible_to(request.user)
                .filter(meeting=pack.meeting)
                .exclude(pk=pack.pk)
                .order_by("-version")
            ),
        },
    )


@require_GET
@login_required
def pack_status(request, pk):
    pack = _visible_pack(request, pk)
    return render(request, "letters/packs/_status.html", _status_context(request, pack))


def _act(request, pk, service, done: str):
    pack = _visible_pack(request, pk)
    if not can_manage_packs(request.user, pack.meeting.office):
        raise PermissionDenied("Only the office's OPCC staff render and issue its packs.")
    try:
        pack = service(pack=pack, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        pack.refresh_from_db()
        if request.htmx:
            return render(
                request, "letters/packs/_status.html", _status_context(request, pack), status=400
            )
        return redirect(pack)
    if request.htmx:
        return render(request, "letters/packs/_status.html", _status_context(request, pack))
    messages.success(request, done)
    return redirect(pack)


@require_POST
@login_required
def pack_render(request, pk):
    return _act(
        request,
        pk,
        services_packs.pack_request_render,
        "Rendering again with today's data. This page shows its progress.",
    )


@require_POST
@login_required
def pack_issue(request, pk):
    return _act(
        request,
        pk,
        services_packs.pack_issue,
        "Issuing: the pack is being made once more from today's data, without the draft "
        "mark. Once done it is frozen, with its checksums shown here.",
    )


def _download(request, pk, field: str, extension: str, content_type: str):
    pack = _visible_pack(request, pk)
    file = getattr(pack, field)
    if pack.render_state != CommitteePack.RenderState.READY or not file:
        raise Http404("This pack has no file yet: wait for it to be made.")
    state = "issued" if pack.status == CommitteePack.Status.ISSUED else "draft"
    meeting = pack.meeting
    name = safe_filename(
        f"{meeting.get_committee_display()} {meeting.meets_on:%Y-%m-%d} pack v{pack.version} "
        f"{state}.{extension}"
    )
    return attachment_response(file, filename=name, content_type=content_type)


@require_GET
@login_required
def pack_pdf(request, pk):
    return _download(request, pk, "pdf", "pdf", "application/pdf")


@require_GET
@login_required
def pack_xlsx(request, pk):
    return _download(request, pk, "xlsx", "xlsx", XLSX)
