"""The patient's pages, opened from a link without a password (placeholder, being built)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def open_link(request: HttpRequest, token: str) -> HttpResponse:
    raise NotImplementedError


def sheet_pdf(request: HttpRequest, token: str) -> HttpResponse:
    raise NotImplementedError
