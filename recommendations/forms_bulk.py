"""The register's bulk update form: the selected rows (each with the version it was drawn
at), the one change and its note.

It only converts: which rows may take the change is recommendations.services_bulk's rule.
Its fields carry the prefix "bulk", as they sit beside the register's filter fields.
"""

from collections.abc import Iterable

from django import forms
from django.db.models import QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oversight.forms import DateInput
from oversight.models import PriorityArea, User
from oversight.selectors import people_visible_to, priority_areas_visible_to
from oversight.shared.dates import bound_date_fields
from recommendations.models import Recommendation
from recommendations.services_bulk import CHANGES, MAX_ROWS, STATUS_TARGETS, BulkChange

PREFIX = "bulk"
# The register's bulk update <form>: drawn outside the cached body (it holds the CSRF
# token), its fields and the rows' checkboxes inside it name it with form="…".
BULK_FORM_ID = "register-bulk"
SELECTION_UNREADABLE = gettext_lazy(
    "The selection could not be read: reload the register and tick the rows again."
)


def parse_selection(values: Iterable[str]) -> dict[int, str] | None:
    """{id: version} from checkbox values (services_bulk.selection_value), or from the
    register's one "on page" value that lists them all, space-separated; None if one of
    them is not one."""
    selection = {}
    for value in (item for posted in values for item in str(posted).split()):
        pk, _, version = value.partition("@")
        if not pk.isdigit() or not version or len(pk) > 9:
            return None
        selection[int(pk)] = version
    return selection


def offered_rows(user: User, report_ids: set[int]) -> QuerySet:
    """The rows of _offered(): one query for both, a UNION ALL of plain values, unordered
    (sorted in Python; SQLite, which `make run` uses, refuses an ORDER BY inside a UNION)."""
    areas = (
        priority_areas_visible_to(user)
        .filter(report__in=report_ids)
        .order_by()
        .values_list(
            Value("area"),
            "pk",
            "title",
            "report__title",
            Value(""),
            Value(""),
            "report_id",
            "position",
        )
    )
    owners = (
        people_visible_to(user)
        .filter(role=User.Role.PLAN_OWNER, force__isnull=False)
        .order_by()
        .values_list(
            Value("owner"),
            "pk",
            "first_name",
            "last_name",
            "username",
            "force__name",
            "force_id",
            Value(0),
        )
    )
    return areas.union(owners, all=True) if report_ids else owners


def _offered(user: User, report_ids: set[int]) -> tuple[list, list]:
    """The choices of new owner (the plan owners of the forces the user sees, by force) and
    of priority area (those of `report_ids`, grouped by report), from one query: the
    register that shows them runs a fixed, small number."""
    owner_rows, area_rows = [], []
    for kind, pk, *row in offered_rows(user, report_ids):
        (area_rows if kind == "area" else owner_rows).append((pk, *row))
    owner_choices = [
        (pk, f"{User.name_from(first, last, username)} ({force})")
        for pk, first, last, username, force, _, _ in sorted(
            owner_rows, key=lambda r: (r[4].casefold(), r[1].casefold(), r[2].casefold(), r[3])
        )
    ]
    groups: dict[tuple, list] = {}
    for pk, title, report_title, _force, _published, report_id, _position in sorted(
        area_rows, key=lambda r: (r[2].casefold(), r[5], r[6], r[0])
    ):
        groups.setdefault((report_title, report_id), []).append((pk, title))
    return owner_choices, [(title, choices) for (title, _), choices in groups.items()]


class BulkPanelForm(forms.Form):
    """What the register's bulk update panel carries on every page of the register: the
    register's query string, to go back to it with the same filters (views_bulk). The
    other fields (BulkUpdateForm) arrive when the panel is opened, so the register does not
    build them with every page. `form_id`: the <form> the fields belong to when they are
    drawn outside it."""

    return_query = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, form_id: str = "", **kwargs):
        super().__init__(*args, prefix=PREFIX, **kwargs)
        self.form_id = form_id
        if form_id:
            for field in self.fields.values():
                field.widget.attrs["form"] = form_id


class BulkUpdateForm(BulkPanelForm):
    selected = forms.Field(required=False, widget=forms.MultipleHiddenInput)
    # Every row on the register's page as one value, "id@version id@version …": one
    # hidden input instead of one per row (2.6 KB of the page).
    on_page = forms.Field(required=False, widget=forms.HiddenInput)
    all_on_page = forms.BooleanField(required=False, label=gettext_lazy("Select all on this page"))
    change = forms.ChoiceField(
        label=gettext_lazy("What to change"),
        choices=list(CHANGES.items()),
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={
            "required": gettext_lazy("Choose what to change."),
            "invalid_choice": gettext_lazy("Choose what to change."),
        },
    )
    status = forms.ChoiceField(
        label=gettext_lazy("New OPCC status"),
        required=False,
        choices=[
            (
                "",
                gettext_lazy(
                    "Choose the status",
                ),
            )
        ]
        + [(s.value, s.label) for s in STATUS_TARGETS],
        help_text=gettext_lazy(
            "“Closed” proposes for closure the ones nobody has proposed yet; another "
            "member of staff signs them off.",
        ),
    )
    inspectorate_status = forms.ChoiceField(
        label=gettext_lazy("New status with HMICFRS"),
        required=False,
        choices=[
            (
                "",
                gettext_lazy(
                    "Choose the status",
                ),
            ),
            *Recommendation.InspectorateStatus.choices,
        ],
    )
    changed_on = forms.DateField(
        label=gettext_lazy("Date of HMICFRS's change"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": gettext_lazy("Enter the date as day, month and year.")},
    )
    source_url = forms.URLField(
        label=gettext_lazy("Link to the source (optional)"),
        required=False,
        max_length=500,
        error_messages={
            "invalid": gettext_lazy(
                "Enter a web address starting https://, or leave it empty.",
            )
        },
    )
    owner = forms.ModelChoiceField(
        label=gettext_lazy("New owner of their open actions"),
        queryset=User.objects.none(),
        required=False,
        empty_label=gettext_lazy("Choose the owner"),
        error_messages={"invalid_choice": gettext_lazy("Choose the owner from the list.")},
    )
    priority_area = forms.ModelChoiceField(
        label=gettext_lazy("Priority area to add them to"),
        queryset=PriorityArea.objects.none(),
        required=False,
        empty_label=gettext_lazy("Choose the priority area"),
        error_messages={"invalid_choice": gettext_lazy("Choose the priority area from the list.")},
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "Why: kept in each recommendation's history (and as the reason for a "
            "status change, or HMICFRS's comment).",
        ),
        error_messages={
            "required": gettext_lazy(
                "Write a note: it is kept in each recommendation's history.",
            )
        },
    )

    def __init__(
        self,
        *args,
        user: User,
        report_ids: Iterable[int] | None = None,
        form_id: str = "",
        choice_may_wait: bool = False,
        **kwargs,
    ):
        """`report_ids`: the reports whose priority areas are offered (those of the rows
        selected), with the owners; None offers neither (the register, whose query budget
        is spent: they are chosen on the next page). Any area or person the user sees is
        accepted. `form_id`: the <form> the fields belong to when they are drawn outside
        it. `choice_may_wait`: posted from the register, so a missing owner or area (or,
        from its button alone, the change and note) is asked for (`needs_choice`), not an
        error."""
        super().__init__(*args, form_id=form_id, **kwargs)
        bound_date_fields(self)
        self.needs_choice = ""
        self.choice_may_wait = choice_may_wait
        owner, area = self.fields["owner"], self.fields["priority_area"]
        owner.queryset = people_visible_to(user)
        area.queryset = priority_areas_visible_to(user)
        if report_ids is not None:
            owners, areas = _offered(user, set(report_ids))
            owner.choices = [("", owner.empty_label), *owners]
            area.choices = [("", area.empty_label), *areas]

    def clean_selected(self):
        return self._selection("selected")

    def clean_on_page(self):
        return self._selection("on_page")

    def _selection(self, name: str) -> dict[int, str]:
        selection = parse_selection(self.data.getlist(self.add_prefix(name)))
        if selection is None:
            raise forms.ValidationError(SELECTION_UNREADABLE)
        return selection

    def clean_note(self):
        return self.cleaned_data["note"].strip()

    def clean_changed_on(self):
        changed_on = self.cleaned_data["changed_on"]
        if changed_on and changed_on > timezone.localdate():
            raise forms.ValidationError(
                _(
                    "Enter the date HMICFRS made the change: not a future one.",
                )
            )
        return changed_on

    def clean(self):
        data = super().clean()
        if self.has_error("selected") or self.has_error("on_page"):
            return data
        selection = data.get("on_page") if data.get("all_on_page") else data.get("selected")
        if not selection:
            self.add_error(None, _("Select at least one recommendation: tick the box in its row."))
        elif len(selection) > MAX_ROWS:
            self.add_error(
                None, _("Select at most %(count)s recommendations at a time.") % {"count": MAX_ROWS}
            )
        data["selection"] = selection or {}
        if self.choice_may_wait and not self.data.get(self.add_prefix("change")):
            # The register's own button, its fields not fetched (no JavaScript): the next
            # page asks for the change and its note, rather than calling them missing.
            for name in ("change", "note"):
                self._errors.pop(name, None)
            self.needs_choice = "change"
            return data
        required = {
            "status": ("status", _("Choose the new OPCC status.")),
            "inspectorate_status": ("inspectorate_status", _("Choose HMICFRS's new status.")),
            "action_owner": ("owner", _("Choose the new owner of the open actions.")),
            "priority_area": ("priority_area", _("Choose the priority area.")),
        }.get(data.get("change"))
        if required and not data.get(required[0]) and not self.has_error(required[0]):
            if required[0] in ("owner", "priority_area") and self.choice_may_wait:
                # Not offered on the register: the next page asks for it.
                self.needs_choice = required[0]
            else:
                self.add_error(required[0], required[1])
        if (
            data.get("change") == "inspectorate_status"
            and not data.get("changed_on")
            and not self.has_error("changed_on")
        ):
            self.add_error("changed_on", _("Enter the date HMICFRS changed the status."))
        return data

    @property
    def selection(self) -> dict[int, str]:
        """{id: version} of the rows chosen, as far as they could be read."""
        if not hasattr(self, "cleaned_data"):
            return {}
        return self.cleaned_data.get("selection") or {}

    def bulk_change(self) -> BulkChange:
        data = self.cleaned_data
        kind = data["change"]
        return BulkChange(
            kind=kind,
            note=data["note"],
            status=data["inspectorate_status"] if kind == "inspectorate_status" else data["status"],
            changed_on=data.get("changed_on") if kind == "inspectorate_status" else None,
            source_url=data.get("source_url", "") if kind == "inspectorate_status" else "",
            person=data.get("owner") if kind == "action_owner" else None,
            area=data.get("priority_area") if kind == "priority_area" else None,
        )
