"""Form fields written out in Python rather than through crispy and Django's per-widget
templates, for the forms a page draws on every view (the register's filter row and bulk
update, the recommendation page's status, inspectorate and carry-forward forms): the same
Bootstrap markup crispy draws, at a fraction of the cost. Each field is drawn with its
label, help text and errors by `{{ field.as_field_group }}` (WrittenBoundField). Crispy
stays for the pages that are a form."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from oversight.forms import DateInput
from oversight.shared.html_text import escape_text


class WrittenSelect(forms.Select):
    """Django's select, written out here rather than through a template (and an option
    dict) per option: a register's filters can list hundreds of reports and priority
    areas. Flat choices only, one selected, as these forms' selects are."""

    def render(self, name, value, attrs=None, renderer=None):
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            self.render_options(name, value),
        )

    def render_options(self, name, value) -> str:
        """The <option>s alone, for an htmx swap into the select already on the page."""
        (chosen,) = self.format_value(value)[:1] or [""]
        options, selected = [], False
        for option_value, label in self.choices:
            option_value = "" if option_value is None else str(option_value)
            # As Django's Select: only the first option with the value is selected.
            is_selected = not selected and option_value == chosen
            selected = selected or is_selected
            options.append(
                f'<option value="{escape_text(option_value)}"'
                f"{' selected' if is_selected else ''}>{escape_text(label)}</option>"
            )
        # Safe: each value and label is escaped above.
        return mark_safe("".join(options))  # noqa: S308


class WrittenInputMixin:
    """An <input> written out here rather than through Django's widget templates."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        return format_html(
            '<input type="{}" name="{}"{}{}>',
            widget["type"],
            widget["name"],
            format_html(' value="{}"', widget["value"]) if widget["value"] is not None else "",
            flatatt(widget["attrs"]),
        )


def _written_textarea(widget, name, value, attrs=None, renderer=None):
    """A <textarea> written out here rather than through Django's widget template (which
    starts the value on a line of its own, as this does)."""
    context = widget.get_context(name, value, attrs)["widget"]
    return format_html(
        '<textarea name="{}"{}>\n{}</textarea>',
        context["name"],
        flatatt(context["attrs"]),
        context["value"] or "",
    )


class WrittenTextInput(WrittenInputMixin, forms.TextInput):
    pass


class WrittenDateInput(WrittenInputMixin, DateInput):
    pass


class WrittenBoundField(forms.BoundField):
    """A field drawn as crispy draws it (`{{ field.as_field_group }}`: Bootstrap's label,
    the widget, the help text and any error), its widget marked `is-invalid` as well as
    aria-invalid when it has errors, so Bootstrap draws it red."""

    def as_field_group(self):
        """The label (with crispy's asterisk when required), the widget, the help text
        and the errors, tied to the widget by the ids Django's aria-describedby names.
        Written here rather than by a template included per field: the register's filter
        row draws thirteen on every page."""
        esc = conditional_escape
        required = '<span class="asteriskField">*</span>' if self.field.required else ""
        html = (
            f'<label for="{esc(self.id_for_label)}" class="form-label">{esc(self.label)}'
            f"{required}</label>{self}"
        )
        if help_text := self.help_text:
            html += (
                f'<div id="{esc(self.auto_id)}_helptext" class="form-text">{esc(help_text)}</div>'
            )
        if errors := self.errors:
            joined = " ".join(esc(error) for error in errors)
            html += (
                f'<div id="{esc(self.auto_id)}_error" class="invalid-feedback d-block">'
                f"{joined}</div>"
            )
        # Safe: the widget is drawn safe, every other text escaped.
        return mark_safe(html)  # noqa: S308

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if attrs.get("aria-invalid"):
            css = attrs.get("class", (widget or self.field.widget).attrs.get("class", ""))
            attrs["class"] = f"{css} is-invalid".strip()
        return attrs


def written_out(form: forms.Form) -> None:
    """Draw a form's selects, single-line inputs and text areas written out (WrittenSelect,
    WrittenInputMixin, _written_textarea), with Bootstrap's classes as crispy would add
    them, and its fields with errors marked invalid (WrittenBoundField). Call it before the
    form is validated (in its __init__, say): a field read since keeps the bound field it
    was read with."""
    for field in form.fields.values():
        field.bound_field_class = WrittenBoundField
        widget = field.widget
        if type(widget) is forms.Select:
            widget = field.widget = WrittenSelect(attrs=widget.attrs, choices=widget.choices)
        elif isinstance(widget, forms.widgets.Input) and not widget.is_hidden:
            widget.render = WrittenInputMixin.render.__get__(widget)
        elif type(widget) is forms.Textarea:
            widget.render = _written_textarea.__get__(widget)
        if widget.is_hidden or "class" in widget.attrs or isinstance(widget, forms.RadioSelect):
            continue
        is_select = isinstance(widget, forms.Select)
        widget.attrs["class"] = "form-select" if is_select else "form-control"
