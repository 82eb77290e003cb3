"""Personal data at rest: Fernet encryption, keyed blind indexes for matching, and masking for display."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet
from django.conf import settings

from livepark.config.home import read_or_create_secret


@lru_cache(maxsize=1)
def _master_key() -> bytes:
    secret = settings.FIELD_ENCRYPTION_KEY or read_or_create_secret("field-encryption-key")
    return hashlib.sha256(secret.encode()).digest()


def _subkey(purpose: bytes) -> bytes:
    return hmac.new(_master_key(), purpose, hashlib.sha256).digest()


@lru_cache(maxsize=1)
def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_subkey(b"livepark/fernet")))


def encrypt(value: str) -> str:
    """Encrypt a personal-data string for storage."""
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    """Decrypt a value written by `encrypt` (only for exports the law requires, never for display)."""
    return _fernet().decrypt(token.encode()).decode()


def blind_index(value: str) -> str:
    """Keyed hash used to find or de-duplicate a value without storing it in clear."""
    return hmac.new(_subkey(b"livepark/blind-index"), value.encode(), hashlib.sha256).hexdigest()


def mask_middle(value: str, keep_start: int, keep_end: int) -> str:
    """`2108**********1234`: keep the ends, star the middle."""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[len(value) - keep_end :]


def mask_id_number(value: str) -> str:
    """Mask a resident ID number as `2108**********1234`."""
    return mask_middle(value, 4, 4)


def mask_phone(value: str) -> str:
    """Mask a phone number as `138****5678`."""
    return mask_middle(value, 3, 4)
