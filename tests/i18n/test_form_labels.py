"""Every form and filter the project defines labels its fields in words that can be
translated: a label Django makes up from a field's name (or a model field with no
verbose_name) stays English on the Welsh pages.

This fails when a form gains a field whose label Welsh readers would see in English."""

import importlib
import inspect
import pkgutil

import django_filters
import pytest
from django import forms
from django.utils.functional import Promise

APPS = ("oversight", "recommendations", "reviews", "letters", "reminders")
FORM_MODULES = ("forms", "filters")


def _form_modules():
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
            if module.name.rsplit(".", 1)[-1].startswith(FORM_MODULES):
                yield importlib.import_module(module.name)


def _defined_forms():
    for module in _form_modules():
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            if issubclass(cls, forms.BaseForm | django_filters.FilterSet):
                yield pytest.param(cls, id=f"{module.__name__}.{name}")


def _hidden(field):
    return field.widget.is_hidden


def _untranslatable_labels(form_class):
    if issubclass(form_class, django_filters.FilterSet):
        # A filter with no label of its own gets one from the model field, forced to a
        # plain string in whichever language was active when it was first asked.
        labels = {name: (f.label, False) for name, f in form_class.base_filters.items()}
    else:
        labels = {name: (f.label, _hidden(f)) for name, f in form_class.base_fields.items()}
    return sorted(
        f"{form_class.__name__}.{name}: {label!r}"
        for name, (label, hidden) in labels.items()
        if not isinstance(label, Promise) and not (hidden and not label)
    )


def test_form_classes_are_found():
    found = {param.id for param in _defined_forms()}
    assert "oversight.forms.ReportForm" in found and len(found) > 20, found


@pytest.mark.parametrize("form_class", list(_defined_forms()))
def test_every_field_label_is_translatable(form_class):
    assert _untranslatable_labels(form_class) == []
