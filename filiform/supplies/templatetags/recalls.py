"""``{% load recalls %}``: the recalled lots a visit used, for the visit page, the timeline and
the visit note PDF (see :mod:`filiform.supplies.recalls`)."""

from __future__ import annotations

from typing import Any

from django import template

from filiform.supplies.recalls import RecallFlag, visit_recall_flags, visits_recall_flags

register = template.Library()


@register.simple_tag
def visit_recalls(visit: Any) -> list[RecallFlag]:
    """``{% visit_recalls visit as flags %}``: one query."""
    return visit_recall_flags(visit)


@register.simple_tag
def timeline_recalls(timeline: Any) -> dict[int, list[RecallFlag]]:
    """``{% timeline_recalls timeline as recalls %}``: every visit on the page, one query."""
    return visits_recall_flags(entry.visit for entry in timeline.entries)


@register.filter
def of_visit(recalls: dict[int, list[RecallFlag]], visit_id: int) -> list[RecallFlag]:
    """``recalls|of_visit:visit.pk``."""
    return recalls.get(visit_id, []) if recalls else []
