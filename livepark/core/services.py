"""Writes on users and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from livepark.core import audit
from livepark.core.errors import Invalid, NotFound
from livepark.core.models import ApiToken, AuditLog, User
from livepark.core.roles import ENTERPRISE_ROLES, Role

TOKEN_PREFIX = "lp_"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    role: str,
    password: str | None = None,
    enterprise=None,
    anchor=None,
    display_name: str = "",
) -> User:
    """Create a login with one role; enterprise roles need an enterprise, the anchor role an Anchor."""
    if role not in Role.values:
        raise Invalid.field("role", f"unknown role {role!r}; one of {', '.join(Role.values)}", "choice")
    if User.objects.filter(username=username).exists():
        raise Invalid.field("username", "用户名已存在 / username already taken", "unique")
    if role in ENTERPRISE_ROLES and enterprise is None:
        raise Invalid.field(
            "enterprise", "该角色必须属于一家企业 / this role needs an enterprise", "required"
        )
    if role == Role.BANK_VIEWER and "bank" not in (enterprise.kinds or []):
        raise Invalid.field("enterprise", "银行查看员必须属于银行 / bank viewers belong to a bank", "kind")
    if role == Role.ANCHOR and anchor is None:
        raise Invalid.field(
            "anchor", "主播账号必须关联主播档案 / the anchor role needs an Anchor", "required"
        )
    user = User(
        username=username,
        role=role,
        enterprise=enterprise if role in ENTERPRISE_ROLES else None,
        anchor=anchor if role == Role.ANCHOR else None,
        display_name=display_name,
        is_staff=role == Role.PARK_ADMIN,
    )
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise Invalid.field("password", " ".join(exc.messages), "password") from None
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit.record_create(actor=actor, obj=user)
    return user


@transaction.atomic
def token_create(*, actor, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Issue an API token; the clear token is returned once and only its SHA-256 is stored."""
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(user=user, name=name, prefix=prefix, digest=_digest(secret))
    audit.record(
        actor=actor, action=AuditLog.Action.CREATE, obj=token, changes={"user": [None, user.username]}
    )
    return token, secret


@transaction.atomic
def token_revoke(*, actor, prefix: str) -> ApiToken:
    """Revoke a token by its prefix (the part shown in lists)."""
    prefix = prefix.removeprefix(TOKEN_PREFIX).split("_")[0]
    token = ApiToken.objects.select_for_update().filter(prefix=prefix, revoked_at__isnull=True).first()
    if token is None:
        raise NotFound(f"no active token with prefix {prefix!r}")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(actor=actor, action=AuditLog.Action.REVOKE, obj=token)
    return token


def token_authenticate(secret: str) -> User | None:
    """The active user holding this token, or None; notes when the token was last used."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Only touch the row once a minute: token checks are on every API call.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
