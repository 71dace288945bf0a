"""GET /healthz: is the database reachable, are migrations applied, is the worker alive?"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from filiform.operations.models import WorkerHeartbeat


def _database() -> dict[str, Any]:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any driver error means "not reachable"
        return {"ok": False, "error": error.__class__.__name__}
    return {"ok": True, "vendor": connections[DEFAULT_DB_ALIAS].vendor}


def _migrations() -> dict[str, Any]:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return {"ok": not pending, "pending": len(pending)}


def _worker() -> dict[str, Any]:
    beat = WorkerHeartbeat.objects.order_by("-beat_at").first()
    if beat is None:
        return {"ok": False, "last_beat": None, "age_seconds": None}
    age = (timezone.now() - beat.beat_at).total_seconds()
    stale_after = 3 * settings.FILIFORM_WORKER_HEARTBEAT_SECONDS
    return {
        "ok": age <= stale_after,
        "last_beat": beat.beat_at.isoformat(),
        "age_seconds": round(age, 1),
    }


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 "ok" when all is well, 200 "degraded" when only the worker is late, 503 "down" when
    the database or its schema cannot serve requests."""
    database = _database()
    checks: dict[str, Any] = {"database": database}
    if database["ok"]:
        checks["migrations"] = _migrations()
        checks["worker"] = _worker()
        down = not checks["migrations"]["ok"]
    else:
        down = True
    status = "down" if down else ("ok" if checks["worker"]["ok"] else "degraded")
    return JsonResponse({"status": status, "checks": checks}, status=503 if down else 200)
