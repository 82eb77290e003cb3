"""xlsx import of enterprises, anchors and platform accounts: every row through the services, all or nothing.

The first sheet's first row holds the column headers (Chinese, or the English field names). A file with any bad
row imports nothing and the report lists every bad row and why.
"""

from __future__ import annotations

from typing import Any

from livepark.core import crypto
from livepark.core.errors import Invalid
from livepark.core.xlsx_import import ImportReport, import_rows, to_code
from livepark.registry import services
from livepark.registry.choices import (
    AnchorLevel,
    AnchorMode,
    AnchorStatus,
    EnterpriseKind,
    IndustryTrack,
    MembershipStatus,
    Platform,
)
from livepark.registry.models import Anchor, Enterprise

#: kind -> [(header, field), ...]; the export writes the same headers so an export can be edited and re-imported.
COLUMNS: dict[str, list[tuple[str, str]]] = {
    "enterprises": [
        ("企业名称", "name"),
        ("统一社会信用代码", "uscc"),
        ("企业类型", "kinds"),
        ("行政区划代码", "region_code"),
        ("地址", "address"),
        ("产业赛道", "industry"),
        ("入驻状态", "membership_status"),
        ("联系人", "contact_name"),
        ("联系电话", "contact_phone"),
    ],
    "anchors": [
        ("真实姓名", "real_name"),
        ("身份证号", "id_number"),
        ("艺名", "stage_name"),
        ("直播方式", "mode"),
        ("行政区划代码", "region_code"),
        ("擅长品类", "categories"),
        ("等级", "level"),
        ("状态", "status"),
        ("MCN机构信用代码", "mcn_uscc"),
    ],
    "accounts": [
        ("平台", "platform"),
        ("平台账号ID", "account_id"),
        ("账号昵称", "display_name"),
        ("粉丝数", "followers"),
        ("主播身份证号", "owner_id_number"),
        ("企业信用代码", "owner_uscc"),
    ],
}
REQUIRED = {
    "enterprises": {"name", "uscc", "kinds", "region_code"},
    "anchors": {"real_name", "id_number", "stage_name", "region_code"},
    "accounts": {"platform", "account_id", "display_name"},
}
# A cell may hold a code (`mcn`) or its Chinese label (`MCN 机构`).
_CHOICES = {
    "kinds": EnterpriseKind,
    "industry": IndustryTrack,
    "membership_status": MembershipStatus,
    "mode": AnchorMode,
    "categories": IndustryTrack,
    "level": AnchorLevel,
    "status": AnchorStatus,
    "platform": Platform,
}
_LIST_FIELDS = {"kinds", "categories"}


def _service_data(kind: str, row: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, value in row.items():
        if name in _LIST_FIELDS:
            parts = [p for p in value.replace("、", ",").replace("，", ",").split(",") if p.strip()]
            data[name] = [to_code(_CHOICES[name], p) for p in parts]
        elif name in _CHOICES:
            if value:
                data[name] = to_code(_CHOICES[name], value)
        elif name == "followers":
            data[name] = int(value) if value.isdigit() else (0 if value == "" else value)
        else:
            data[name] = value
    return data


def _create(kind: str, actor, data: dict[str, Any]) -> None:
    if kind == "enterprises":
        services.enterprise_create(actor=actor, data=data)
    elif kind == "anchors":
        mcn_uscc = data.pop("mcn_uscc", "")
        mcn = Enterprise.objects.filter(uscc=mcn_uscc.upper()).first() if mcn_uscc else None
        if mcn_uscc and mcn is None:
            raise Invalid.field("mcn_uscc", "未登记的 MCN 机构 / no enterprise with this USCC")
        services.anchor_create(actor=actor, data=data, mcn_id=mcn.pk if mcn else None)
    else:
        id_number, uscc_ = data.pop("owner_id_number", ""), data.pop("owner_uscc", "")
        if id_number:
            anchor = Anchor.objects.filter(id_number_hash=crypto.blind_index(id_number.upper())).first()
            data["owner_anchor_id"] = anchor.pk if anchor else -1
        if uscc_:
            ent = Enterprise.objects.filter(uscc=uscc_.upper()).first()
            data["owner_enterprise_id"] = ent.pk if ent else -1
        services.account_create(actor=actor, data=data)


def import_xlsx(kind: str, data: bytes, *, actor) -> ImportReport:
    """Import a workbook of `kind` (enterprises, anchors, accounts); nothing is written unless every row is valid."""
    return import_rows(
        kind, COLUMNS[kind], REQUIRED[kind], data, lambda row: _create(kind, actor, _service_data(kind, row))
    )
