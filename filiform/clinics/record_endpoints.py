"""The one page shape and the one API shape of "mark entered in error" (clinics/records.py).

Every clinical record offers the same action: a reason is posted, the record's service marks it
(or refuses: no reason, a reason too long, already marked), and the page or the API answers.
The pages (a visit, a practitioner's credentials) and the API operations (visits, credentials,
measurements, screenings) each state only what differs: the form or the path's ids, the
service, the message and where to go back to.

The API operation is built from the ids of its path and its payload schema, with the
signature django-ninja reads to parse the request and write the OpenAPI document.
"""

import inspect
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from ninja import Router, Schema

from filiform.clinics.access import api_access


def _errors_onto(form: forms.Form, error: ValidationError) -> None:
    """The service's refusal next to the field it names, else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, problems in error.message_dict.items():
        form.add_error(key if key in form.fields else None, problems)


def enter_in_error_page(
    request: HttpRequest,
    form: forms.Form,
    *,
    mark: Callable[[dict[str, Any]], object],
    done: str,
    back: str,
    again: Callable[[forms.Form], HttpResponse] | None = None,
    invalid: str = "",
) -> HttpResponse:
    """A posted "entered in error" form: ``mark`` with the cleaned data, then back to ``back``
    with ``done``. Refused, the page comes again with the form's errors (``again``), or, for a
    page whose form is one line of a list, back to ``back`` with the refusal as a message
    (``invalid`` when the form itself did not validate)."""
    if not form.is_valid():
        if again is not None:
            return again(form)
        messages.error(
            request, invalid or " ".join(str(e) for f in form.errors.values() for e in f)
        )
        return HttpResponseRedirect(back)
    try:
        mark(form.cleaned_data)
    except ValidationError as error:
        if again is not None:
            _errors_onto(form, error)
            return again(form)
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(back)
    messages.success(request, done)
    return HttpResponseRedirect(back)


def enter_in_error_operation(
    router: Router,
    path: str,
    *,
    module: str,
    name: str,
    ids: dict[str, Any],
    payload: type[Schema],
    response: dict[int, Any],
    summary: str,
    mark: Callable[..., Any],
    **route: Any,
) -> None:
    """Add ``POST path`` to ``router``: the path's ``ids`` (name: type) and the body, a
    ``payload`` with its ``reason``; ``mark(access, reason, **ids)`` gives the answer. The
    operation is the function ``name`` of ``module`` (the caller's ``__name__``) with the
    signature a handwritten endpoint would have, so the OpenAPI document does not tell them
    apart."""

    def endpoint(request: HttpRequest, **given: Any) -> Any:
        payload_in = given.pop("payload")
        return mark(api_access(request), payload_in.reason, **given)

    keyword = inspect.Parameter.POSITIONAL_OR_KEYWORD
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("request", keyword, annotation=HttpRequest),
            *(inspect.Parameter(id_, keyword, annotation=type_) for id_, type_ in ids.items()),
            inspect.Parameter("payload", keyword, annotation=payload),
        ]
    )
    endpoint.__name__ = endpoint.__qualname__ = name
    endpoint.__module__ = module
    router.post(path, response=response, summary=summary, **route)(endpoint)
