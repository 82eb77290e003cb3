"""The retail-import positive list (跨境电子商务零售进口商品清单) loaded from a file, in versions by effective date.

A load reads a csv or xlsx file (columns 税则号列, 商品名称, 监管要求, 备注), checks every row, and stores a new
version in force from its effective date — or, with ``replace``, replaces the version of that same date. The
three-document check takes the list in force today (`in_force`); until any version is in force, the goods
registrations' positive-list notes stand in (the behaviour before lists were loaded).
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from livepark.core import audit, counting
from livepark.core.errors import Invalid
from livepark.core.models import AuditLog
from livepark.core.scoping import get_scoped, require_right
from livepark.core.servicekit import save_audited
from livepark.crossborder.models import PositiveListEntry, PositiveListVersion, PositiveNote
from livepark.crossborder.tabular import FileReport, read_table

GROUP = "crossborder"
COLUMNS = [("税则号列", "gcode"), ("商品名称", "name"), ("监管要求", "note"), ("备注", "remark")]
REQUIRED = {"gcode", "name"}
#: How a note cell may spell each restriction (the official list writes it into 备注).
NOTE_WORDS = {
    PositiveNote.BONDED: ("1210", "网购保税"),
    PositiveNote.DIRECT: ("9610", "直购"),
}


def _note(text: str) -> str | None:
    """The restriction a 监管要求/备注 cell states: "" none, "1210", "9610", None if it names both."""
    found = {code for code, words in NOTE_WORDS.items() if any(w in text for w in words)}
    if len(found) > 1:
        return None
    return found.pop() if found else ""


def positive_list_load(
    *,
    actor,
    data: bytes,
    filename: str = "",
    effective_from: dt.date | None = None,
    replace: bool = False,
    note: str = "",
) -> FileReport:
    """Load a positive list from a csv/xlsx file as the version in force from `effective_from` (default today).

    Every row is checked (10-digit `gcode` once per file, a name, a note that restricts to at most one mode);
    a file with any bad row stores nothing and the report names each row, field and rule. A version of the
    same date exists already: refused unless `replace`, which swaps its entries for the file's.
    """
    require_right(actor, "positive_list", "change")
    day = effective_from or timezone.localdate()
    report = FileReport(kind="positive_list")
    rows, report.file_error = read_table(COLUMNS, REQUIRED, data, filename)
    if report.file_error:
        return report
    report.rows = len(rows)
    if not rows:
        report.file_error = "文件没有数据行 / the file has no rows"
        return report
    existing = PositiveListVersion.objects.filter(effective_from=day).first()
    if existing is not None and not replace:
        raise Invalid.field(
            "effective_from",
            f"{day} 已有清单版本，替换请选择 replace / a version in force from {day} exists: load with replace",
        )
    seen: dict[str, int] = {}
    entries = []
    for number, row in rows:
        gcode = row.get("gcode", "")
        if not re.fullmatch(r"\d{10}", gcode):
            report.add(number, "gcode", "税则号列应为 10 位数字 / must be exactly 10 digits")
        elif gcode in seen:
            report.add(number, "gcode", f"与第 {seen[gcode]} 行重复 / repeats row {seen[gcode]}")
        else:
            seen[gcode] = number
        name = row.get("name", "")
        if not name:
            report.add(number, "name", "必填 / required")
        elif len(name) > 250:
            report.add(number, "name", "最多 250 个字符 / at most 250 characters")
        remark = row.get("remark", "")
        if len(remark) > 1000:
            report.add(number, "remark", "最多 1000 个字符 / at most 1000 characters")
        restriction = _note(f"{row.get('note', '')} {remark}")
        if restriction is None:
            report.add(
                number,
                "note",
                "不能同时限定 1210 和 9610 / cannot restrict to both 1210 and 9610",
            )
        entries.append((gcode, name, restriction or "", remark))
    if not report.ok:
        return report
    with transaction.atomic(), audit.channel("import"):
        if existing is not None:
            before = audit.snapshot(existing)
            existing.entries.all().delete()
            existing.source_name, existing.entry_count, existing.note = (
                filename[:200],
                len(entries),
                note[:200],
            )
            save_audited(actor=actor, obj=existing, before=before, group=GROUP)
            version = existing
        else:
            version = PositiveListVersion(
                effective_from=day, source_name=filename[:200], entry_count=len(entries), note=note[:200]
            )
            save_audited(actor=actor, obj=version, before=None, group=GROUP)
        PositiveListEntry.objects.bulk_create(
            PositiveListEntry(version=version, gcode=g, name=n, note=r, remark=m) for g, n, r, m in entries
        )
        audit.record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            obj=version,
            changes={"entries": [None, len(entries)], "replace": [None, existing is not None]},
        )
        counting.bump(GROUP)
    report.created = len(entries)
    report.extra = {
        "version_id": version.pk,
        "effective_from": day.isoformat(),
        "replaced": existing is not None,
    }
    return report


def version_in_force(day: dt.date | None = None) -> PositiveListVersion | None:
    """The version in force on `day` (default today): the latest effective date not after it."""
    day = day or timezone.localdate()
    return PositiveListVersion.objects.filter(effective_from__lte=day).order_by("-effective_from").first()


def in_force(day: dt.date | None = None) -> dict[str, str] | None:
    """The list in force as {gcode: "" | "1210" | "9610"} (the matching engine's form); None if none is."""
    version = version_in_force(day)
    if version is None:
        return None
    return dict(version.entries.values_list("gcode", "note"))


# ---- reads ----------------------------------------------------------------------------------------------


def version_list(user) -> QuerySet[PositiveListVersion]:
    """Every loaded version, newest effective date first."""
    require_right(user, "positive_list", "view")
    return PositiveListVersion.objects.restrict(user, "view")


def version_get(user, pk: int) -> PositiveListVersion:
    """One version (403 without the right, 404 when there is none)."""
    return get_scoped(PositiveListVersion, user, pk, "view")


def entry_list(
    user, *, version_id: int | None = None, q: str | None = None, note: str | None = None
) -> QuerySet[PositiveListEntry]:
    """The tariff lines of a version (default: the one in force), searchable by gcode prefix or name."""
    require_right(user, "positive_list", "view")
    if version_id is None:
        current = version_in_force()
        if current is None:
            return PositiveListEntry.objects.none()
        version_id = current.pk
    else:
        version_get(user, version_id)
    qs = PositiveListEntry.objects.filter(version_id=version_id)
    if q:
        qs = qs.filter(gcode__startswith=q) if q.isdigit() else qs.filter(name__icontains=q)
    if note is not None:
        qs = qs.filter(note=note)
    return qs
