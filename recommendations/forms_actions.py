"""Forms for action plans, actions, progress updates, review and closure.

Forms validate and convert (uploaded files become checked uploads); the services in
recommendations.services save and enforce the rules.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.formats import date_format

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
            f"{limits_help_text()} Up to {MAX_FILES_PER_SUBMISSION} files; hold Ctrl (or ⌘) "
            "to choose several.",
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None) -> list[CheckedUpload]:
        uploads = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not uploads and self.required:
            raise ValidationError("Attach at least one file.", code="required")
        if len(uploads) > MAX_FILES_PER_SUBMISSION:
            raise ValidationError(
                f"You chose {len(uploads)} files; attach at most {MAX_FILES_PER_SUBMISSION} at "
                "a time (a zip is not accepted: combine documents into one PDF instead).",
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
        labels = {"owner": "Plan owner (chief officer)"}
        help_texts = {
            "title": "Optional, e.g. 'Child protection improvement plan'.",
            "governance_board": "The board that oversees delivery, e.g. 'Force Safeguarding "
            "Board (chaired by the ACC)'.",
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["report"].queryset = (
            reports_visible_to(user)
            .filter(force=user.force_id)
            .exclude(action_plans__force=user.force_id)
            .order_by("-published_on")
        )
        self.fields["report"].help_text = "Reports about your force that have no plan yet."
        self.fields["report"].label_from_instance = _report_label
        # The creator is offered as "Me" (the empty choice), not a second time by name.
        self.fields["owner"].queryset = _plan_owners_of(user.force_id, user=user).exclude(
            pk=user.pk
        )
        self.fields["owner"].required = False
        self.fields["owner"].help_text = "Leave empty to own it yourself."
        self.fields["owner"].empty_label = "Me"


def _report_label(report: InspectionReport) -> str:
    return f"{report.title} (published {date_format(report.published_on, 'j M Y')})"


class ActionPlanEditForm(VersionedModelForm):
    class Meta:
        model = ActionPlan
        fields = ["title", "owner", "governance_board"]
        labels = {"owner": "Plan owner (chief officer)"}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _plan_owners_of(self.instance.force_id, user=user)


class PlanTransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=ActionPlan.Status.choices)


# --- Actions --------------------------------------------------------------------------


def _lead_label(user: User) -> str:
    where = user.partner_agency or user.job_title or user.get_role_display()
    return f"{user} — {where}"


class ActionForm(VersionedModelForm):
    """Create or edit an action. The target date is set once, at creation; later it moves
    when the OPCC agrees a request to move it (ExtensionRequestForm)."""

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
            "owner": "Chief officer owner",
            "cadence": "Update cadence",
            "cadence_days": "Every how many days",
            "partner_agency": "Partner agency",
        }
        help_texts = {
            "delivery_lead": "The police lead or partner agency lead who posts the updates.",
            "partner_agency": "Set when a partner agency owns the action; its leads can then "
            "update it. Leave empty for police-only actions, which partners never see.",
            "success_measure": "How everyone will know the action worked.",
            "cadence_days": "Only for 'Every N days'.",
            "target_date": "The original target; it is kept even when the date is revised.",
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
        self.fields["delivery_lead"].empty_label = "Not allocated yet"
        self.fields["partner_agency"].queryset = agencies
        self.fields["partner_agency"].empty_label = "None: a police-only action"
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
            self.add_error("cadence_days", "Say every how many days an update is due (1 or more).")
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
        choices=[(PAUSE, "Pause"), (NOT_NEEDED, "Not needed"), (RESUME, "Resume")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Required to pause or mark not needed. No reminders go out meanwhile.",
    )

    def __init__(self, *args, action: Action, **kwargs):
        super().__init__(*args, **kwargs)
        if action.status == Action.Status.PAUSED:
            choices = [(self.RESUME, "Resume"), (self.NOT_NEEDED, "Not needed")]
        else:
            choices = [(self.PAUSE, "Pause"), (self.NOT_NEEDED, "Not needed")]
        self.fields["status"].choices = choices

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("status") in (self.PAUSE, self.NOT_NEEDED)
            and not cleaned.get("reason", "").strip()
        ):
            self.add_error("reason", "Say why the action is paused or not needed.")
        return cleaned


# --- Extension requests: moving a target date -----------------------------------------


class ExtensionRequestForm(forms.Form):
    to_date = forms.DateField(
        label="New target date",
        widget=DATE_INPUT,
        error_messages={
            "required": "Choose the date you are asking to move the target to.",
            "invalid": "Enter the new date as a day, month and year, e.g. 30/06/2027.",
        },
    )
    reason = forms.CharField(
        label="Why the date needs to move",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Say why the target date needs to move; the OPCC decides on this reason."
        },
        help_text="Required. The OPCC and the panel read it, e.g. 'Two examiner posts vacant; "
        "recruitment complete, examiners in training'.",
    )

    def __init__(self, *args, action: Action, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_date"].help_text = (
            f"The target date now is {date_format(action.current_target_date, 'j F Y')}. It "
            "stands, and reminders follow it, until OPCC staff agree the new one."
        )
        bound_date_fields(self)


class ExtensionDecisionForm(forms.Form):
    AGREE, REFUSE = "agree", "refuse"
    decision = forms.ChoiceField(
        choices=[(AGREE, "Agree"), (REFUSE, "Refuse")],
        error_messages={"required": "Choose agree or refuse."},
    )
    comment = forms.CharField(
        label="Comment",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Required to refuse: say why the date cannot move. The lead and the plan "
        "owner see it.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.REFUSE and not cleaned.get("comment", "").strip():
            self.add_error(
                "comment",
                "Say why the target date cannot move; the lead and the plan owner see this "
                "comment.",
            )
        return cleaned


# --- Progress updates -----------------------------------------------------------------


class ProgressUpdateForm(forms.Form):
    narrative = forms.CharField(
        label="What has happened since the last update",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Describe the progress made since the last update."},
        help_text="What was done, what it changed, what comes next and any risk to the "
        "target date.",
    )
    rag = forms.ChoiceField(
        label="RAG",
        choices=[(rag.value, rag.label) for rag in (Rag.RED, Rag.AMBER, Rag.GREEN)],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose red, amber or green."},
        help_text="Blue (complete) is set when the OPCC signs the action off.",
    )
    percent_complete = forms.IntegerField(
        label="Percent complete",
        min_value=0,
        max_value=100,
        error_messages={
            "required": "Give a percentage from 0 to 100.",
            "invalid": "Give a whole number from 0 to 100.",
            "min_value": "Give a percentage from 0 to 100.",
            "max_value": "Give a percentage from 0 to 100.",
        },
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1}),
    )
    files = EvidenceFilesField(label="Evidence files")
    resubmission_of = forms.ModelChoiceField(
        queryset=ProgressUpdate.objects.none(), required=False, widget=forms.HiddenInput
    )

    keep_evidence = forms.ModelMultipleChoiceField(
        label="Evidence from the returned update",
        queryset=Evidence.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Ticked files go with the new update; untick any that should not.",
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
        choices=[(ACCEPT, "Accept"), (RETURN, "Return")],
        error_messages={"required": "Choose accept or return."},
    )
    comment = forms.CharField(
        label="Reason for returning",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Required to return: say what the lead should add or correct.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.RETURN and not cleaned.get("comment", "").strip():
            self.add_error(
                "comment", "Say what the lead should add or correct; they see this reason."
            )
        return cleaned


# --- Two-person closure ---------------------------------------------------------------


class ProposeCompletionForm(forms.Form):
    completion_evidence = forms.CharField(
        label="Evidence of impact",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": "Describe the evidence of impact: what changed, and how you know."
        },
        help_text="What changed for children and the public, and how you know (audits, "
        "dip-samples, performance data). OPCC staff read this before signing off.",
    )
    files = EvidenceFilesField(label="Supporting files")


class SignOffForm(forms.Form):
    SIGN_OFF, RETURN = "sign_off", "return"
    decision = forms.ChoiceField(
        choices=[(SIGN_OFF, "Sign off"), (RETURN, "Return")],
        error_messages={"required": "Choose sign off or return."},
    )
    reason = forms.CharField(
        label="Reason for returning",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Required to return: say what is missing before the action can close.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.RETURN and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Say what is missing before the action can be signed off.")
        return cleaned
