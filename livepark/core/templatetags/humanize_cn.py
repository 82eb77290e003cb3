"""Display filters: Chinese large numbers (万/亿), percentages, money in fen, local times."""

from __future__ import annotations

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def wan(value) -> str:
    """12345678 -> 1234.6万; 1.2亿 above 10^8."""
    n = int(value or 0)
    if n >= 100_000_000:
        return f"{n / 100_000_000:.2f}亿"
    if n >= 10_000:
        return f"{n / 10_000:.1f}万"
    return str(n)


@register.filter
def percent(value) -> str:
    """0.4567 -> 45.7%."""
    return f"{float(value or 0) * 100:.1f}%"


@register.filter
def yuan(fen) -> str:
    """Integer fen -> ¥1,234.50."""
    fen = int(fen or 0)
    return f"¥{fen // 100:,}.{fen % 100:02d}"


@register.filter
def local(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Aware datetime -> Asia/Shanghai text."""
    return timezone.localtime(value).strftime(fmt) if value else ""
