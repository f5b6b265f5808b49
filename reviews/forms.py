"""Forms for deep dives, follow-ups, samples and investments. They validate and convert;
the services save and enforce the rules again."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oversight.models import PriorityArea, User
from oversight.selectors import people_visible_to
from oversight.shared.concurrency import VersionedModelForm
from oversight.shared.dates import bound_date_fields
from oversight.shared.uploads import check_upload, limits_help_text
from reviews.models import (
    ActionSample,
    Assurance,
    DeepDiveReview,
    FollowUp,
    Investment,
    LineOfEnquiry,
)
from reviews.selectors import (
    follow_up_recommendations_for,
    investable_recommendations_for,
    review_forces_for,
    reviewable_priority_areas_for,
    reviewable_reports_for,
    sampleable_actions_for,
)
from reviews.services import (
    RATIONALE_REQUIRED,
    InvestmentDetails,
    LineText,
    ReviewDetails,
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ASSURANCE_CHOICES = [("", gettext_lazy("Not judged yet")), *Assurance.choices]


def _textarea(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _recommendation_label(recommendation, *, with_report: bool = False) -> str:
    label = f"{recommendation.reference}: {Truncator(recommendation.text).chars(110)}"
    return f"{recommendation.report.title} · {label}" if with_report else label


class RecommendationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, recommendation):
        return _recommendation_label(recommendation)


class RecommendationsField(forms.ModelMultipleChoiceField):
    """Labelled with the report only when the choices span several reports."""

    with_report = True

    def label_from_instance(self, recommendation):
        return _recommendation_label(recommendation, with_report=self.with_report)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, person):
        organisation = person.office or person.force or person.partner_agency
        return f"{person} ({organisation})" if organisation else str(person)


# --- Reviews ---------------------------------------------------------------------------


class ReviewForm(VersionedModelForm):
    """Create and edit a deep dive. The priority areas offered are those of the chosen
    report (the page reloads them when the report changes)."""

    priority_areas = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Priority areas"),
        error_messages={
            "invalid_choice": gettext_lazy(
                "Choose only priority areas of the linked report; press "
                "“Show the report's priority areas” after changing the report."
            )
        },
    )
    performance_assurance = forms.ChoiceField(
        choices=ASSURANCE_CHOICES,
        required=False,
        label=gettext_lazy("Assurance on current performance"),
        help_text=gettext_lazy("If you give an assurance, the rationale below is required."),
    )
    plans_assurance = forms.ChoiceField(
        choices=ASSURANCE_CHOICES,
        required=False,
        label=gettext_lazy("Assurance on the improvement plans"),
        help_text=gettext_lazy("If you give an assurance, the rationale below is required."),
    )

    class Meta:
        model = DeepDiveReview
        fields = [
            "theme",
            "report",
            "force",
            "priority_areas",
            "held_on",
            "status",
            "panel",
            "evidence_summary",
            "findings",
            "performance_assurance",
            "performance_rationale",
            "plans_assurance",
            "plans_rationale",
            "revisit_on",
        ]
        labels = {
            "theme": gettext_lazy("Theme"),
            "force": gettext_lazy("Force"),
            "status": gettext_lazy("Status"),
            "findings": gettext_lazy("Findings"),
            "report": gettext_lazy("Inspection report"),
            "held_on": gettext_lazy("Date held"),
            "panel": gettext_lazy("Panel members"),
            "evidence_summary": gettext_lazy("Evidence presented"),
            "performance_rationale": gettext_lazy("Rationale for the performance assurance"),
            "plans_rationale": gettext_lazy("Rationale for the plans assurance"),
            "revisit_on": gettext_lazy("Revisit date"),
        }
        help_texts = {
            "theme": gettext_lazy("The subject the panel scrutinised, e.g. “Child protection”."),
            "panel": gettext_lazy("One per line."),
            "evidence_summary": gettext_lazy(
                "What the force presented. Upload the documents on the "
                "review page once it is saved."
            ),
            "performance_rationale": gettext_lazy(
                "Required when you give an assurance on current performance."
            ),
            "plans_rationale": gettext_lazy(
                "Required when you give an assurance on the improvement plans."
            ),
            "revisit_on": gettext_lazy(
                "When the panel will come back to this theme; reminders are sent."
            ),
        }
        widgets = {
            "held_on": DATE_INPUT,
            "revisit_on": DATE_INPUT,
            "panel": _textarea(3),
            "evidence_summary": _textarea(4),
            "findings": _textarea(5),
            "performance_rationale": _textarea(3),
            "plans_rationale": _textarea(3),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        report_field = self.fields["report"]
        report_field.queryset = reviewable_reports_for(user)
        report_field.required = False
        report_field.empty_label = _("Not about one report")
        report_field.help_text = _("Its priority areas are offered below.")
        forces = list(review_forces_for(user))
        self.only_force = forces[0] if len(forces) == 1 else None
        if self.only_force is not None:
            del self.fields["force"]
        else:
            self.fields["force"].queryset = review_forces_for(user)
            self.fields["force"].required = False
            self.fields["force"].help_text = _("Needed only when the review is not about a report.")
        areas = self.fields["priority_areas"]
        report_id = self.selected_report_id()
        self.has_report = bool(report_id)
        if report_id:
            areas.queryset = reviewable_priority_areas_for(user).filter(report=report_id)
            areas.help_text = (
                _("The report's priority areas the panel looked at.")
                if areas.queryset.exists()
                else _("This report has no priority areas yet; add them on the report's page.")
            )
        else:
            # No report, no areas: they belong to a report (the template says so).
            areas.queryset = PriorityArea.objects.none()
        bound_date_fields(self)

    def selected_report_id(self) -> int | None:
        """The report chosen in the submitted data, the initial data or the saved review."""
        if self.is_bound:
            value = self.data.get(self.add_prefix("report"))
        else:
            value = self.initial.get("report") or self.instance.report_id
        value = getattr(value, "pk", value)
        try:
            return int(value) if value else None
        except (TypeError, ValueError):
            return None

    def clean(self):
        cleaned = super().clean()
        for assurance, rationale in [
            ("performance_assurance", "performance_rationale"),
            ("plans_assurance", "plans_rationale"),
        ]:
            if cleaned.get(assurance) and not (cleaned.get(rationale) or "").strip():
                self.add_error(rationale, RATIONALE_REQUIRED)
        report = cleaned.get("report")
        force = cleaned.get("force") if "force" in self.fields else self.only_force
        if report is not None:
            if force is not None and force.pk != report.force_id:
                self.add_error(
                    "report",
                    _("That report is about %(report_force)s, not %(force)s.")
                    % {"report_force": report.force, "force": force},
                )
            cleaned["force"] = report.force
        elif force is None and "force" in self.fields:
            self.add_error("force", _("Choose the force under review, or link a report."))
        else:
            cleaned["force"] = force
        if cleaned.get("priority_areas") and report is None:
            self.add_error("priority_areas", _("Link the review to a report to choose its areas."))
        held_on, revisit_on = cleaned.get("held_on"), cleaned.get("revisit_on")
        if held_on and revisit_on and revisit_on < held_on:
            self.add_error("revisit_on", _("The revisit date must be on or after the date held."))
        return cleaned

    def details(self) -> ReviewDetails:
        data = self.cleaned_data
        return ReviewDetails(
            theme=data["theme"],
            held_on=data["held_on"],
            force=data["force"],
            report=data.get("report"),
            priority_areas=list(data.get("priority_areas") or []),
            status=data["status"],
            panel=data.get("panel", ""),
            evidence_summary=data.get("evidence_summary", ""),
            findings=data.get("findings", ""),
            performance_assurance=data.get("performance_assurance", ""),
            performance_rationale=data.get("performance_rationale", ""),
            plans_assurance=data.get("plans_assurance", ""),
            plans_rationale=data.get("plans_rationale", ""),
            revisit_on=data.get("revisit_on"),
        )


class LineForm(forms.Form):
    """One row of the key lines of enquiry on the create page; blank rows are skipped."""

    question = forms.CharField(required=False, widget=_textarea(2), label=gettext_lazy("Question"))
    response = forms.CharField(
        required=False,
        widget=_textarea(2),
        label=gettext_lazy("What the panel heard"),
        help_text=gettext_lazy("Optional; you can add it after the meeting."),
    )

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("response") or "").strip() and not (cleaned.get("question") or "").strip():
            self.add_error("question", _("Write the question too, or clear the response."))
        return cleaned

    def line(self) -> LineText:
        return LineText(
            question=self.cleaned_data.get("question", ""),
            response=self.cleaned_data.get("response", ""),
        )


MAX_LINES = 30
LineFormSet = forms.formset_factory(LineForm, extra=3, max_num=MAX_LINES, validate_max=True)


def line_formset_from_rows(rows: list[dict], *, extra: int):
    """An unbound formset showing the rows as typed plus `extra` blank ones."""
    formset_class = forms.formset_factory(LineForm, extra=extra, max_num=MAX_LINES)
    return formset_class(initial=rows, prefix="lines")


class LineOfEnquiryForm(VersionedModelForm):
    class Meta:
        model = LineOfEnquiry
        fields = ["question", "response"]
        labels = {
            "question": gettext_lazy("Question"),
            "response": gettext_lazy("What the panel heard and concluded"),
        }
        widgets = {"question": _textarea(2), "response": _textarea(3)}
        error_messages = {
            "question": {"required": gettext_lazy("Write the question the panel asked.")}
        }


# --- Evidence --------------------------------------------------------------------------


class EvidenceForm(forms.Form):
    title = forms.CharField(
        max_length=200,
        required=False,
        label=gettext_lazy("Title"),
        help_text=gettext_lazy("Optional; the file name is shown if you leave it blank."),
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=limits_help_text(),
        error_messages={"required": gettext_lazy("Choose a file to upload.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = limits_help_text()

    def clean_file(self):
        return check_upload(self.cleaned_data["file"])


# --- Follow-ups ------------------------------------------------------------------------


class FollowUpForm(VersionedModelForm):
    """OPCC staff create and edit a follow-up (status and outcome only when editing)."""

    owner = PersonChoiceField(
        queryset=None,
        label=gettext_lazy("Owner"),
        help_text=gettext_lazy("They see it under “My actions” and get reminders."),
    )
    recommendation = RecommendationChoiceField(
        queryset=None,
        required=False,
        label=gettext_lazy("Recommendation"),
        empty_label=gettext_lazy("Not linked to one recommendation"),
        help_text=gettext_lazy("It is shown on that recommendation's page."),
    )

    class Meta:
        model = FollowUp
        fields = ["description", "owner", "due_on", "recommendation", "status", "outcome"]
        labels = {
            "description": gettext_lazy("What has to be done"),
            "due_on": gettext_lazy("Due date"),
            "status": gettext_lazy("Status"),
            "outcome": gettext_lazy("Outcome"),
        }
        widgets = {"description": _textarea(3), "due_on": DATE_INPUT, "outcome": _textarea(3)}
        help_texts = {"outcome": gettext_lazy("Required when it is done or cancelled.")}
        error_messages = {
            "description": {"required": gettext_lazy("Say what has to be done.")},
            "due_on": {"required": gettext_lazy("Give the date it is due.")},
        }

    def __init__(self, *args, user: User, review: DeepDiveReview, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = (
            people_visible_to(user)
            .select_related("office", "force", "partner_agency")
            .order_by("last_name", "first_name", "username")
        )
        self.fields["owner"].error_messages["required"] = _("Choose who owns the follow-up.")
        recommendations = follow_up_recommendations_for(user, review)
        if review.report_id is None:
            del self.fields["recommendation"]
        else:
            self.fields["recommendation"].queryset = recommendations
        if self.instance.pk is None:
            del self.fields["status"]
            del self.fields["outcome"]
        bound_date_fields(self)

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if (
            status in (FollowUp.Status.DONE, FollowUp.Status.CANCELLED)
            and not (cleaned.get("outcome") or "").strip()
        ):
            self.add_error("outcome", _("Say what came of it before marking it done or cancelled."))
        return cleaned


class FollowUpUpdateForm(VersionedModelForm):
    """The owner's update: status and outcome."""

    class Meta:
        model = FollowUp
        fields = ["status", "outcome"]
        labels = {"status": gettext_lazy("Status"), "outcome": gettext_lazy("Outcome")}
        widgets = {"outcome": _textarea(4)}
        help_texts = {
            "outcome": gettext_lazy(
                "What was done. Required when you mark it done or cancelled; the "
                "completion date is recorded for you."
            )
        }

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if (
            status in (FollowUp.Status.DONE, FollowUp.Status.CANCELLED)
            and not (cleaned.get("outcome") or "").strip()
        ):
            self.add_error("outcome", _("Say what came of it before marking it done or cancelled."))
        return cleaned


# --- Samples ---------------------------------------------------------------------------


class ActionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, action):
        return f"{action.reference}: {Truncator(action.description).chars(110)}"


class SampleForm(forms.Form):
    action = ActionChoiceField(
        queryset=None,
        label=gettext_lazy("Completed action"),
        empty_label=gettext_lazy("Choose a closed action"),
        error_messages={"required": gettext_lazy("Choose the action the panel tested.")},
    )
    verdict = forms.ChoiceField(
        choices=ActionSample.Verdict.choices,
        widget=forms.RadioSelect,
        label=gettext_lazy("Was it effective?"),
        error_messages={"required": gettext_lazy("Choose effective or not effective.")},
    )
    reason = forms.CharField(
        required=False,
        widget=_textarea(3),
        label=gettext_lazy("Reason"),
        help_text=gettext_lazy(
            "Required for “not effective”: the action is reopened (red, back to in "
            "progress) and the police lead sees this reason."
        ),
    )

    def __init__(self, *args, user: User, review: DeepDiveReview, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].queryset = sampleable_actions_for(user, review)

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("verdict") == ActionSample.Verdict.NOT_EFFECTIVE
            and not (cleaned.get("reason") or "").strip()
        ):
            self.add_error("reason", _("Say why the action was not effective."))
        return cleaned


# --- Investments -----------------------------------------------------------------------


class InvestmentForm(VersionedModelForm):
    recommendations = RecommendationsField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Recommendations it serves"),
        help_text=gettext_lazy(
            "From the force's reports; the investment shows on each one's page."
        ),
    )

    class Meta:
        model = Investment
        fields = [
            "title",
            "force",
            "amount",
            "awarded_on",
            "status",
            "purpose",
            "outcome",
            "recommendations",
        ]
        labels = {
            "title": gettext_lazy("Title"),
            "force": gettext_lazy("Force"),
            "amount": gettext_lazy("Amount (£)"),
            "awarded_on": gettext_lazy("Date awarded"),
            "status": gettext_lazy("Status"),
            "purpose": gettext_lazy("Purpose"),
            "outcome": gettext_lazy("Outcome"),
        }
        widgets = {"awarded_on": DATE_INPUT, "purpose": _textarea(3), "outcome": _textarea(3)}
        help_texts = {"outcome": gettext_lazy("What the money achieved, once known.")}
        error_messages = {
            "title": {"required": gettext_lazy("Give the investment a short title.")},
            "purpose": {"required": gettext_lazy("Say what the money is for.")},
            "amount": {"required": gettext_lazy("Enter the amount awarded, in pounds.")},
            "awarded_on": {"required": gettext_lazy("Give the date the money was awarded.")},
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        forces = list(review_forces_for(user))
        self.only_force = forces[0] if len(forces) == 1 else None
        if self.only_force is not None:
            del self.fields["force"]
        else:
            self.fields["force"].queryset = review_forces_for(user)
        recommendations = self.fields["recommendations"]
        recommendations.queryset = investable_recommendations_for(user)
        recommendations.with_report = (
            recommendations.queryset.order_by().values("report").distinct().count() > 1
        )
        self.fields["amount"].widget.attrs.update({"min": "0.01", "step": "0.01"})
        bound_date_fields(self)

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount <= 0:
            raise ValidationError(_("Enter an amount greater than zero, in pounds (e.g. 48000)."))
        return amount

    def clean(self):
        cleaned = super().clean()
        force = cleaned.get("force") if "force" in self.fields else self.only_force
        cleaned["force"] = force
        strays = [
            r
            for r in cleaned.get("recommendations") or []
            if force and r.report.force_id != force.pk
        ]
        if strays:
            self.add_error(
                "recommendations",
                _(
                    "Choose recommendations made to %(force)s only "
                    "(%(references)s is not one of them)."
                )
                % {"force": force, "references": ", ".join(r.reference for r in strays)},
            )
        return cleaned

    def details(self) -> InvestmentDetails:
        data = self.cleaned_data
        return InvestmentDetails(
            title=data["title"],
            purpose=data["purpose"],
            amount=data["amount"],
            awarded_on=data["awarded_on"],
            force=data["force"],
            status=data["status"],
            outcome=data.get("outcome", ""),
            recommendations=list(data.get("recommendations") or []),
        )
