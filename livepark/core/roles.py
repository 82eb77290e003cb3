"""The roles a LivePark user can hold, and which roles may perform which action on which kind of record."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PARK_ADMIN = "park_admin", _("园区管理员")
    ENTERPRISE_OWNER = "enterprise_owner", _("企业负责人")
    ENTERPRISE_STAFF = "enterprise_staff", _("企业员工")
    ANCHOR = "anchor", _("主播")
    BANK_VIEWER = "bank_viewer", _("银行查看员")
    CUSTOMS_BROKER = "customs_broker", _("报关员")
    QC_INSPECTOR = "qc_inspector", _("质检员")


#: Roles that belong to exactly one enterprise.
ENTERPRISE_ROLES = frozenset({Role.ENTERPRISE_OWNER, Role.ENTERPRISE_STAFF, Role.BANK_VIEWER})

ALL = frozenset(Role)
R = Role

#: (record kind, action) -> roles that hold the right. Which *rows* a holder reaches is decided by each model's
#: `scope()`; a missing right is a 403, a row outside scope a 404.
RIGHTS: dict[tuple[str, str], frozenset[Role]] = {
    ("enterprise", "view"): ALL,
    ("enterprise", "create"): frozenset({R.PARK_ADMIN}),
    ("enterprise", "change"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER}),
    ("enterprise", "archive"): frozenset({R.PARK_ADMIN}),
    ("anchor", "view"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF, R.ANCHOR}),
    ("anchor", "create"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER}),
    ("anchor", "change"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ANCHOR}),
    ("anchor", "archive"): frozenset({R.PARK_ADMIN}),
    ("contract", "view"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF, R.ANCHOR}),
    ("contract", "create"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER}),
    ("contract", "change"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER}),
    ("contract", "archive"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER}),
    ("account", "view"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF, R.ANCHOR}),
    ("account", "create"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF, R.ANCHOR}),
    ("account", "change"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF, R.ANCHOR}),
    ("account", "archive"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ANCHOR}),
    ("room", "view"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF, R.ANCHOR}),
    ("room", "create"): frozenset({R.PARK_ADMIN}),
    ("room", "change"): frozenset({R.PARK_ADMIN}),
    ("room", "archive"): frozenset({R.PARK_ADMIN}),
    ("booking", "view"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF, R.ANCHOR}),
    ("booking", "create"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF, R.ANCHOR}),
    ("booking", "change"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF, R.ANCHOR}),
    ("booking", "archive"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF, R.ANCHOR}),
    ("category", "view"): ALL,
    ("category", "create"): frozenset({R.PARK_ADMIN}),
    ("category", "change"): frozenset({R.PARK_ADMIN}),
    ("category", "archive"): frozenset({R.PARK_ADMIN}),
    ("product", "view"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF, R.QC_INSPECTOR}),
    ("product", "create"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF}),
    ("product", "change"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF}),
    ("product", "archive"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER}),
    ("warehouse", "view"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF, R.QC_INSPECTOR}),
    ("warehouse", "create"): frozenset({R.PARK_ADMIN}),
    ("warehouse", "change"): frozenset({R.PARK_ADMIN}),
    ("lot", "view"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF, R.QC_INSPECTOR}),
    ("lot", "create"): frozenset({R.PARK_ADMIN, R.QC_INSPECTOR}),
    ("lot", "change"): frozenset({R.PARK_ADMIN, R.QC_INSPECTOR}),
    ("stock", "view"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF, R.QC_INSPECTOR}),
    ("stock", "change"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF}),
    ("order", "view"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF, R.ANCHOR}),
    ("order", "create"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF}),
    ("order", "change"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF}),
    # Live sessions: "operate" is start/end (the anchor goes live itself); "change" edits the plan and the
    # run-of-show. Events may be written by whoever may change the session (see livepark/live/services.py).
    ("session", "view"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF, R.ANCHOR}),
    ("session", "create"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF}),
    ("session", "change"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF}),
    ("session", "operate"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF, R.ANCHOR}),
    ("event", "create"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF}),
    # Cross-border (livepark/crossborder): customs registrations of parties and goods, declaration sets.
    ("customs_registration", "view"): frozenset(
        {R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF, R.CUSTOMS_BROKER}
    ),
    ("customs_registration", "create"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF}),
    ("customs_registration", "change"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF}),
    ("declaration", "view"): frozenset(
        {R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF, R.CUSTOMS_BROKER}
    ),
    ("declaration", "create"): frozenset(
        {R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF, R.CUSTOMS_BROKER}
    ),
    ("declaration", "change"): frozenset(
        {R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF, R.CUSTOMS_BROKER}
    ),
    # The positive list (loaded by the park admin) and 1210 bonded account books with their stock.
    ("positive_list", "view"): frozenset(
        {R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF, R.CUSTOMS_BROKER}
    ),
    ("positive_list", "change"): frozenset({R.PARK_ADMIN}),
    ("bonded_account", "view"): frozenset(
        {R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF, R.CUSTOMS_BROKER}
    ),
    ("bonded_account", "create"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER}),
    ("bonded_account", "change"): frozenset(
        {R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF, R.CUSTOMS_BROKER}
    ),
    # Retail-import tax rate tables (statutory figures, loaded by the park admin; see crossborder/models_tax.py).
    ("tax_rate", "view"): frozenset({R.PARK_ADMIN, R.ENTERPRISE_OWNER, R.ENTERPRISE_STAFF, R.CUSTOMS_BROKER}),
    ("tax_rate", "create"): frozenset({R.PARK_ADMIN}),
    ("audit", "view"): frozenset({R.PARK_ADMIN}),
    ("user", "create"): frozenset({R.PARK_ADMIN}),
}


def has_right(user, kind: str, action: str) -> bool:
    """True when `user` (active, authenticated) holds the right to `action` records of `kind`."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.role in RIGHTS.get((kind, action), frozenset())
