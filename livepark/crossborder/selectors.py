"""Reads of the cross-border platform, scoped to the user."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from livepark.core import crypto
from livepark.core.errors import Invalid
from livepark.core.scoping import get_scoped, require_right
from livepark.core.validators import clean_resident_id
from livepark.crossborder import services
from livepark.crossborder.models import CustomsParty, DeclarationSet, DeclarationState, GoodsRegistration
from livepark.engines.customs import parse


def party_list(user, *, role: str | None = None, q: str | None = None) -> QuerySet[CustomsParty]:
    """Live customs registrations of parties the user may see."""
    require_right(user, "customs_registration", "view")
    qs = CustomsParty.objects.restrict(user, "view").live()
    if role:
        qs = qs.filter(role=role)
    if q:
        qs = qs.filter(Q(code__startswith=q.upper()) | Q(name__icontains=q))
    return qs


def goods_list(user, *, seller_id: int | None = None, q: str | None = None) -> QuerySet[GoodsRegistration]:
    """Live goods registrations the user may see."""
    require_right(user, "customs_registration", "view")
    qs = GoodsRegistration.objects.restrict(user, "view").live().select_related("seller")
    if seller_id:
        qs = qs.filter(seller_id=seller_id)
    if q:
        qs = qs.filter(Q(item_no__startswith=q) | Q(gname__icontains=q) | Q(gcode__startswith=q))
    return qs


def declaration_list(
    user, *, state: str | None = None, trade_mode: str | None = None, q: str | None = None
) -> QuerySet[DeclarationSet]:
    """The user's declaration sets, newest first (the queue when filtered by `state`)."""
    require_right(user, "declaration", "view")
    qs = DeclarationSet.objects.restrict(user, "view").select_related("seller", "agent")
    if state:
        qs = qs.filter(state=state)
    if trade_mode:
        qs = qs.filter(trade_mode=trade_mode)
    if q:
        qs = qs.filter(order_no__startswith=q)
    return qs


def declaration_get(user, pk: int, action: str = "view") -> DeclarationSet:
    """One declaration set in the user's scope (403 without the right, 404 outside scope)."""
    return get_scoped(DeclarationSet, user, pk, action)


def state_counts(user) -> dict[str, int]:
    """How many of the user's declarations are in each state (every state present, 0 when none)."""
    require_right(user, "declaration", "view")
    counts = dict.fromkeys(DeclarationState.values, 0)
    rows = DeclarationSet.objects.restrict(user, "view").order_by().values("state").annotate(n=Count("pk"))
    for row in rows:
        counts[row["state"]] = row["n"]
    return counts


#: Head fields that hold personal data, and how each is masked when shown.
_ID_FIELDS = {"buyerIdNumber", "payerIdNumber"}
_PHONE_FIELDS = {"buyerTelephone", "consigneeTelephone"}


def _shown(name: str, value: Any) -> Any:
    if value is None:
        return ""
    if name in _ID_FIELDS:
        return crypto.mask_id_number(str(value))
    if name in _PHONE_FIELDS:
        return crypto.mask_phone(str(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def declaration_documents(obj: DeclarationSet) -> dict[str, dict[str, Any]]:
    """Each stored document as `{"head": {field: shown value}, "lines": [{…}]}` with personal data masked;
    a document that has not arrived is absent."""
    out: dict[str, dict[str, Any]] = {}
    for code in DeclarationSet.DOCUMENT_FIELDS:
        xml = obj.document_xml(code)
        if xml is None:
            continue
        child, _cls, head_name, *_ = services.MESSAGES[code]
        node = parse(xml)[child][0]
        head = {k: _shown(k, v) for k, v in node[head_name].items()}
        lines = []
        for member in node.spec.names:
            if member != head_name:
                for line in node[member] or ():
                    lines.append({k: _shown(k, v) for k, v in line.items()})
        out[code] = {"head": head, "lines": lines}
    return out


def buyer_quota(user, buyer_id: str) -> dict[str, Any]:
    """A buyer's use of the year's retail-import quota, from the declared orders the user may see."""
    require_right(user, "declaration", "view")
    try:
        number = clean_resident_id((buyer_id or "").strip().upper())
    except ValidationError as exc:
        raise Invalid.field("buyer_id", " ".join(exc.messages)) from None
    year = timezone.localdate().year
    used = services.year_used(
        crypto.blind_index(number), year, within=DeclarationSet.objects.restrict(user, "view")
    )
    limit = services.quota_limit()
    return {
        "buyer": crypto.mask_id_number(number),
        "year": year,
        "limit": limit,
        "used": used,
        "remaining": max(limit - used, Decimal(0)),
    }
