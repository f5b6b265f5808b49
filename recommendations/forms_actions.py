"""Forms for action plans, actions, progress updates, review and closure.

Forms validate and convert (uploaded files become checked uploads); the services in
recommendations.services save and enforce the rules.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oversight.models import InspectionReport, PartnerAgency, User
from oversight.selectors import people_visible_to, reports_visible_to
from oversight.shared.concurrency import VersionedModelForm
from oversight.shared.dates import bound_date_fields
from oversight.shared.uploads import CheckedUpload, check_upload, limits_help_text
from recommendations.models import (
    Action,
    ActionPlan,
    Evidence,
    ProgressUpdate,
    Rag,
    Recommendation,
)

MAX_FILES_PER_SUBMISSION = 10
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceFilesField(forms.FileField):
    """Several files at once; each is checked from its bytes (oversight.shared.uploads)."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            " ".join(
                (
                    str(limits_help_text()),
                    _("Up to %(count)s files; hold Ctrl (or ⌘) to choose several.")
                    % {"count": MAX_FILES_PER_SUBMISSION},
                )
            ),
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None) -> list[CheckedUpload]:
        uploads = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not uploads and self.required:
            raise ValidationError(_("Attach at least one file."), code="required")
        if len(uploads) > MAX_FILES_PER_SUBMISSION:
            raise ValidationError(
                _(
                    "You chose %(count)s files; attach at most %(most)s at a time (a zip is "
                    "not accepted: combine documents into one PDF instead)."
                )
                % {"count": len(uploads), "most": MAX_FILES_PER_SUBMISSION},
                code="too_many",
            )
        checked, errors = [], []
        for upload in uploads:
            try:
                checked.append(check_upload(upload))
            except ValidationError as error:
                errors.extend(error.error_list)
        if errors:
            raise ValidationError(errors)
        return checked


# --- Action plans ---------------------------------------------------------------------


def _plan_owners_of(force_id: int, *, user: User):
    return people_visible_to(user).filter(role=User.Role.PLAN_OWNER, force=force_id)


class ActionPlanCreateForm(forms.ModelForm):
    class Meta:
        model = ActionPlan
        fields = ["report", "title", "owner", "governance_board"]
        labels = {"owner": gettext_lazy("Plan owner (chief officer)")}
        help_texts = {
            "title": gettext_lazy("Optional, e.g. 'Child protection improvement plan'."),
            "governance_board": gettext_lazy(
                "The board that oversees delivery, e.g. 'Force Safeguarding "
                "Board (chaired by the ACC)'.",
            ),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["report"].queryset = (
            reports_visible_to(user)
            .filter(force=user.force_id)
            .exclude(action_plans__force=user.force_id)
            .order_by("-published_on")
        )
        self.fields["report"].help_text = _("Reports about your force that have no plan yet.")
        self.fields["report"].label_from_instance = _report_label
        # The creator is offered as "Me" (the empty choice), not a second time by name.
        self.fields["owner"].queryset = _plan_owners_of(user.force_id, user=user).exclude(
            pk=user.pk
        )
        self.fields["owner"].required = False
        self.fields["owner"].help_text = _("Leave empty to own it yourself.")
        self.fields["owner"].empty_label = "Me"


def _report_label(report: InspectionReport) -> str:
    return _("%(title)s (published %(date)s)") % {
        "title": report.title,
        "date": date_format(report.published_on, "j M Y"),
    }


class ActionPlanEditForm(VersionedModelForm):
    class Meta:
        model = ActionPlan
        fields = ["title", "owner", "governance_board"]
        labels = {"owner": gettext_lazy("Plan owner (chief officer)")}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _plan_owners_of(self.instance.force_id, user=user)


class PlanTransitionForm(forms.Form):
    to_status = forms.ChoiceField(
        label=gettext_lazy("To status"), choices=ActionPlan.Status.choices
    )


# --- Actions --------------------------------------------------------------------------


def _lead_label(user: User) -> str:
    where = user.partner_agency or user.job_title or user.get_role_display()
    return f"{user} — {where}"


MAX_CADENCE_DAYS = 365


class ActionForm(VersionedModelForm):
    """Create or edit an action. The target date is set once, at creation; later it moves
    when the OPCC agrees a request to move it (ExtensionRequestForm)."""

    # At least one update a year: the cadence also sets when the next update is due.
    cadence_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_CADENCE_DAYS,
        label=gettext_lazy("Every how many days"),
        help_text=gettext_lazy("Only for 'Every N days'."),
        error_messages={
            "min_value": gettext_lazy("Enter 1 or more days."),
            "max_value": gettext_lazy(
                "Updates are due at least once a year: enter %(limit_value)s days or fewer."
            ),
        },
    )

    class Meta:
        model = Action
        fields = [
            "reference",
            "description",
            "recommendations",
            "delivery_lead",
            "partner_agency",
            "owner",
            "target_date",
            "success_measure",
            "cadence",
            "cadence_days",
        ]
        labels = {
            "owner": gettext_lazy("Chief officer owner"),
            "cadence": gettext_lazy("Update cadence"),
            "partner_agency": gettext_lazy("Partner agency"),
        }
        help_texts = {
            "delivery_lead": gettext_lazy(
                "The police lead or partner agency lead who posts the updates.",
            ),
            "partner_agency": gettext_lazy(
                "Set when a partner agency owns the action; its leads can then "
                "update it. Leave empty for police-only actions, which partners never see.",
            ),
            "success_measure": gettext_lazy("How everyone will know the action worked."),
            "target_date": gettext_lazy(
                "The original target; it is kept even when the date is revised.",
            ),
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "success_measure": forms.Textarea(attrs={"rows": 2}),
            "recommendations": forms.CheckboxSelectMultiple,
            "target_date": DATE_INPUT,
        }

    def __init__(self, *args, plan: ActionPlan, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        agencies = PartnerAgency.objects.filter(forces=plan.force_id)
        people = people_visible_to(user)
        self.fields["recommendations"].queryset = Recommendation.objects.filter(
            report=plan.report_id
        ).order_by("position", "reference")
        self.fields["recommendations"].label_from_instance = lambda r: f"{r.reference}: {r.text}"
        self.fields["delivery_lead"].queryset = people.filter(
            Q(force=plan.force_id, role__in=[User.Role.POLICE_LEAD, User.Role.PLAN_OWNER])
            | Q(partner_agency__in=agencies, role=User.Role.PARTNER_LEAD)
        ).select_related("partner_agency")
        self.fields["delivery_lead"].label_from_instance = _lead_label
        self.fields["delivery_lead"].empty_label = _("Not allocated yet")
        self.fields["partner_agency"].queryset = agencies
        self.fields["partner_agency"].empty_label = _("None: a police-only action")
        self.fields["owner"].queryset = people.filter(
            force=plan.force_id, role=User.Role.PLAN_OWNER
        )
        if self.instance.pk:
            # The original target never changes; moving it is a request to the OPCC.
            del self.fields["target_date"]
        bound_date_fields(self)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("cadence") == Action.Cadence.CUSTOM and not cleaned.get("cadence_days"):
            self.add_error(
                "cadence_days",
                _(
                    "Say every how many days an update is due (1 or more).",
                ),
            )
        return cleaned

    def _get_validation_exclusions(self):
        # Uniqueness within the plan and the model's constraints are checked by the service
        # with messages that say what to do.
        exclude = super()._get_validation_exclusions()
        exclude.update({"cadence", "cadence_days"})
        return exclude


class ActionStatusForm(forms.Form):
    PAUSE, NOT_NEEDED, RESUME = (
        Action.Status.PAUSED,
        Action.Status.NOT_NEEDED,
        Action.Status.IN_PROGRESS,
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[
            (
                PAUSE,
                gettext_lazy(
                    "Pause",
                ),
            ),
            (
                NOT_NEEDED,
                gettext_lazy(
                    "Not needed",
                ),
            ),
            (
                RESUME,
                gettext_lazy(
                    "Resume",
                ),
            ),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=gettext_lazy(
            "Required to pause or mark not needed. No reminders go out meanwhile.",
        ),
    )

    def __init__(self, *args, action: Action, **kwargs):
        super().__init__(*args, **kwargs)
        if action.status == Action.Status.PAUSED:
            choices = [(self.RESUME, _("Resume")), (self.NOT_NEEDED, _("Not needed"))]
        else:
            choices = [(self.PAUSE, _("Pause")), (self.NOT_NEEDED, _("Not needed"))]
        self.fields["status"].choices = choices

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("status") in (self.PAUSE, self.NOT_NEEDED)
            and not cleaned.get("reason", "").strip()
        ):
            self.add_error("reason", _("Say why the action is paused or not needed."))
        return cleaned


# --- Extension requests: moving a target date -----------------------------------------


class ExtensionRequestForm(forms.Form):
    to_date = forms.DateField(
        label=gettext_lazy("New target date"),
        widget=DATE_INPUT,
        error_messages={
            "required": gettext_lazy("Choose the date you are asking to move the target to."),
            "invalid": gettext_lazy(
                "Enter the new date as a day, month and year, e.g. 30/06/2027.",
            ),
        },
    )
    reason = forms.CharField(
        label=gettext_lazy("Why the date needs to move"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": gettext_lazy(
                "Say why the target date needs to move; the OPCC decides on this reason.",
            )
        },
        help_text=gettext_lazy(
            "Required. The OPCC and the panel read it, e.g. 'Two examiner posts vacant; "
            "recruitment complete, examiners in training'.",
        ),
    )

    def __init__(self, *args, action: Action, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_date"].help_text = _(
            "The target date now is %(date)s. It stands, and reminders follow it, until "
            "OPCC staff agree the new one."
        ) % {"date": date_format(action.current_target_date, "j F Y")}
        bound_date_fields(self)


class ExtensionDecisionForm(forms.Form):
    AGREE, REFUSE = "agree", "refuse"
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[(AGREE, gettext_lazy("Agree")), (REFUSE, gettext_lazy("Refuse"))],
        error_messages={"required": gettext_lazy("Choose agree or refuse.")},
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=gettext_lazy(
            "Required to refuse: say why the date cannot move. The lead and the plan owner see it.",
        ),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.REFUSE and not cleaned.get("comment", "").strip():
            self.add_error(
                "comment",
                _(
                    "Say why the target date cannot move; the lead and the plan owner see this "
                    "comment."
                ),
            )
        return cleaned


# --- Progress updates -----------------------------------------------------------------


class ProgressUpdateForm(forms.Form):
    narrative = forms.CharField(
        label=gettext_lazy("What has happened since the last update"),
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": gettext_lazy(
                "Describe the progress made since the last update.",
            )
        },
        help_text=gettext_lazy(
            "What was done, what it changed, what comes next and any risk to the target date.",
        ),
    )
    rag = forms.ChoiceField(
        label=gettext_lazy("RAG"),
        choices=[(rag.value, rag.label) for rag in (Rag.RED, Rag.AMBER, Rag.GREEN)],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose red, amber or green.")},
        help_text=gettext_lazy("Blue (complete) is set when the OPCC signs the action off."),
    )
    percent_complete = forms.IntegerField(
        label=gettext_lazy("Percent complete"),
        min_value=0,
        max_value=100,
        error_messages={
            "required": gettext_lazy("Give a percentage from 0 to 100."),
            "invalid": gettext_lazy("Give a whole number from 0 to 100."),
            "min_value": gettext_lazy("Give a percentage from 0 to 100."),
            "max_value": gettext_lazy("Give a percentage from 0 to 100."),
        },
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1}),
    )
    files = EvidenceFilesField(label=gettext_lazy("Evidence files"))
    resubmission_of = forms.ModelChoiceField(
        queryset=ProgressUpdate.objects.none(), required=False, widget=forms.HiddenInput
    )

    keep_evidence = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Evidence from the returned update"),
        queryset=Evidence.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Ticked files go with the new update; untick any that should not."),
    )

    def __init__(self, *args, action: Action, returned: ProgressUpdate | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resubmission_of"].queryset = action.updates.filter(
            review_state=ProgressUpdate.Review.RETURNED
        )
        returned_files = list(returned.evidence.order_by("pk")) if returned else []
        if returned_files:
            # Kept by default: a resubmission corrects the text; the files usually stand.
            field = self.fields["keep_evidence"]
            field.queryset = returned.evidence.order_by("pk")
            field.label_from_instance = lambda evidence: evidence.original_name
            field.initial = [evidence.pk for evidence in returned_files]
        else:
            del self.fields["keep_evidence"]


class UpdateReviewForm(forms.Form):
    ACCEPT, RETURN = "accept", "return"
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[(ACCEPT, gettext_lazy("Accept")), (RETURN, gettext_lazy("Return"))],
        error_messages={"required": gettext_lazy("Choose accept or return.")},
    )
    comment = forms.CharField(
        label=gettext_lazy("Reason for returning"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=gettext_lazy("Required to return: say what the lead should add or correct."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.RETURN and not cleaned.get("comment", "").strip():
            self.add_error(
                "comment", _("Say what the lead should add or correct; they see this reason.")
            )
        return cleaned


# --- Two-person closure ---------------------------------------------------------------


class ProposeCompletionForm(forms.Form):
    completion_evidence = forms.CharField(
        label=gettext_lazy("Evidence of impact"),
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": gettext_lazy(
                "Describe the evidence of impact: what changed, and how you know.",
            )
        },
        help_text=gettext_lazy(
            "What changed for children and the public, and how you know (audits, "
            "dip-samples, performance data). OPCC staff read this before signing off.",
        ),
    )
    files = EvidenceFilesField(label=gettext_lazy("Supporting files"))


class SignOffForm(forms.Form):
    SIGN_OFF, RETURN = "sign_off", "return"
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[(SIGN_OFF, gettext_lazy("Sign off")), (RETURN, gettext_lazy("Return"))],
        error_messages={"required": gettext_lazy("Choose sign off or return.")},
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for returning"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=gettext_lazy(
            "Required to return: say what is missing before the action can close.",
        ),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.RETURN and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Say what is missing before the action can be signed off."))
        return cleaned
