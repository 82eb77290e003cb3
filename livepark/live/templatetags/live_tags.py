"""Template filters of the live pages."""

from __future__ import annotations

from django import template

from livepark.live.labels import display

register = template.Library()


@register.filter
def figure(value, kind: str = "int") -> str:
    """Show a metric value: ``{{ r.gmv_fen|figure:"fen" }}``, ``"ratio"``, ``"seconds"``, ``"int"``."""
    return display(value, kind)
