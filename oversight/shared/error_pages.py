"""Pages for a refusal or a failure, in the site's layout: what happened, in plain words,
and a way on. oversight/urls.py names the 403, 404 and 500 handlers; a 405 from a view's
method check becomes a page in MethodNotAllowedPage.

The 500 page is rendered from the template alone, without the request: whatever broke
(the database, a context processor) must not break the page that says so.
"""

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # The services' refusals are written for the person refused ("Only OPCC staff change
    # recommendations."): the page shows the reason.
    reason = str(exception) if exception is not None else ""
    return render(request, "403.html", {"reason": reason}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # What was not found is not said: a page of another office is "not found" too.
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return HttpResponseServerError(loader.get_template("500.html").render())


class MethodNotAllowedPage:
    """A page instead of the empty 405 that require_http_methods (and a class-based view)
    answers with, for a person who opened a button's address in the browser: same status,
    same Allow header. A program that does not ask for HTML, and an htmx swap, get the
    empty answer as before."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            not isinstance(response, HttpResponseNotAllowed)
            or response.content
            or getattr(request, "htmx", False)
            or not request.accepts("text/html")
        ):
            return response
        page = render(request, "405.html", {"allowed": response["Allow"]}, status=405)
        page["Allow"] = response["Allow"]
        return page
