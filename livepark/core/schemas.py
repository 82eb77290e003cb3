"""Schema pieces shared by every app's API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.utils import timezone
from ninja import Schema
from pydantic import PlainSerializer

#: Aware date-time, rendered in Asia/Shanghai as ISO 8601 with its offset (`2026-11-23T09:00:00+08:00`).
LocalDateTime = Annotated[
    dt.datetime,
    PlainSerializer(lambda v: timezone.localtime(v).isoformat(), return_type=str, when_used="always"),
]


class ErrorOut(Schema):
    detail: str
    code: str
    fields: dict[str, list[str]] = {}
