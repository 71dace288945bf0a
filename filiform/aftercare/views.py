"""Staff pages for aftercare (placeholder, being built)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def alert_page(request: HttpRequest, clinic_slug: str, alert_id: int) -> HttpResponse:
    raise NotImplementedError
