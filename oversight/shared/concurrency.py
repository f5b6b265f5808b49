"""Optimistic concurrency for edit forms.

An edit form carries the `updated_at` of the row it was built from (a hidden "version"
field). The service saving it locks the row and compares: if someone else saved in
between, nothing is written and the editor is told to reload and re-apply the change.
"""

from django import forms
from django.db import models
from django.utils.translation import gettext as _


class StaleEditError(Exception):
    """Someone else saved this record after the form was opened."""

    def __init__(self, instance: models.Model):
        super().__init__(
            _(
                "Someone else changed this %(thing)s after you opened the form. Nothing was "
                "saved: reload the page to see their changes, then make yours again."
            )
            % {"thing": instance._meta.verbose_name}
        )


def version_of(instance: models.Model) -> str:
    return instance.updated_at.isoformat() if instance.pk and instance.updated_at else ""


def lock_and_check_version(instance: models.Model, *, expected_version: str) -> None:
    """Call inside the saving transaction. Raises StaleEditError if the row moved on."""
    if not instance.pk:
        return
    current = (
        type(instance)
        .objects.select_for_update()
        .filter(pk=instance.pk)
        .values_list("updated_at", flat=True)
        .get()
    )
    if current.isoformat() != expected_version:
        raise StaleEditError(instance)


class VersionedModelForm(forms.ModelForm):
    """A ModelForm with a hidden `version` field holding the row's updated_at."""

    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = version_of(self.instance)
