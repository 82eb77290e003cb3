"""Money: integer fen in the database, yuan with at most two decimals at the edges."""

from __future__ import annotations

import re

_YUAN = re.compile(r"^(-?)(\d{1,13})(?:\.(\d{1,2}))?$")


class MoneyFormatError(ValueError):
    """A money text that is not yuan with at most two decimals."""


def yuan_to_fen(text: str | int) -> int:
    """'129.9' -> 12990; '12.345', '1e3', '' and floats are refused (money is never a float)."""
    if isinstance(text, bool | float):
        raise MoneyFormatError("金额应为文本或整数，不能是浮点数 / money must not be a float")
    if isinstance(text, int):
        return text * 100
    cleaned = str(text).strip().replace(",", "").removeprefix("¥").removeprefix("￥")
    m = _YUAN.match(cleaned)
    if not m:
        raise MoneyFormatError(
            f"金额格式不正确：{text!r}（元，最多两位小数）/ not yuan with at most 2 decimals"
        )
    sign, whole, frac = m.groups()
    fen = int(whole) * 100 + int((frac or "0").ljust(2, "0"))
    return -fen if sign else fen


def fen_to_yuan(fen: int) -> str:
    """12990 -> '129.90'."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"
