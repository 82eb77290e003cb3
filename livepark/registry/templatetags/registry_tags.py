"""Display filters of the registry."""

from __future__ import annotations

from django import template

from livepark.registry.choices import EnterpriseKind, IndustryTrack, Platform

register = template.Library()
_PLATFORMS = dict(Platform.choices)
_KINDS = dict(EnterpriseKind.choices)
_TRACKS = dict(IndustryTrack.choices)


@register.filter
def platform_label(code: str) -> str:
    """Platform code -> its name in the current language."""
    return str(_PLATFORMS.get(code, code))


@register.filter
def kind_labels(codes: list[str]) -> list[str]:
    """Enterprise kind codes -> names."""
    return [str(_KINDS.get(c, c)) for c in codes or []]


@register.filter
def track_labels(codes: list[str]) -> list[str]:
    """Industry track codes -> names."""
    return [str(_TRACKS.get(c, c)) for c in codes or []]
