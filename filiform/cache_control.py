"""No copy of a clinic's answers is kept by a browser or a proxy: every response the
application makes says ``Cache-Control: no-store`` (and ``Pragma: no-cache`` for HTTP/1.0
caches).

Nearly every page and API answer carries health information (a chart, a patient's name on a
dashboard, an invoice), and the few that do not are not worth a rule of their own: a back button
or a shared computer's disk cache must not show a patient's record after the person has signed
out (PHIPA s. 12: reasonable steps against unauthorized use; OWASP ASVS 8.2.1). Static files
(CSS, scripts, images under STATIC_URL) are the exception: they hold nothing about anyone and
keep their long cache lifetimes.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if settings.STATIC_URL and request.path.startswith(settings.STATIC_URL):
            return response
        if "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response
