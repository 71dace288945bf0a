from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from filiform.clinics.access import Permission, memberships_of


def active_clinic(request: HttpRequest) -> dict[str, Any]:
    """The clinic in use and the others the person can switch to, for the navigation bar."""
    access = getattr(request, "access", None)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "access": access,
        "memberships": memberships_of(user),
        "perm": {p.name: (access.can(p) if access else False) for p in Permission},
    }
