"""The API's shared parts: pagination, and errors as JSON saying what to fix."""

from django.http import Http404
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc, context):
    """{"error": a sentence, "fields": {field: [messages]}} for every refusal."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError) and isinstance(response.data, dict):
        fields = {
            name: [
                str(message) for message in (messages if isinstance(messages, list) else [messages])
            ]
            for name, messages in response.data.items()
            if name != "non_field_errors"
        }
        general = [str(m) for m in response.data.get("non_field_errors", [])]
        first = (
            general[0]
            if general
            else next(
                (f"{name}: {messages[0]}" for name, messages in fields.items()), "Check the input."
            )
        )
        response.data = {"error": first, "fields": fields}
    elif isinstance(exc, exceptions.ValidationError):
        messages = [str(m) for m in response.data] if isinstance(response.data, list) else []
        response.data = {"error": " ".join(messages) or "Check the input.", "fields": {}}
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        if isinstance(exc, exceptions.Throttled):
            detail = f"Too many requests: wait {exc.wait or 60:.0f} seconds, then try again."
        if isinstance(exc, exceptions.NotFound | Http404):
            detail = "Not found, or not yours to see: check the id."
        response.data = {"error": str(detail), "fields": {}}
    return response
