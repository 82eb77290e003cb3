"""Identifier checks: USCC, resident ID, phone, GB/T 2260 regions, masking."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import ric

from livepark.core import crypto
from livepark.core.regions import region_name, regions
from livepark.core.validators import clean_phone, clean_region_code, clean_resident_id, clean_uscc
from tests.factories import make_ric, make_uscc


def test_uscc():
    assert clean_uscc(make_uscc(1).lower()) == make_uscc(1)
    with pytest.raises(ValidationError, match="check digit"):
        clean_uscc(make_uscc(1)[:-1] + ("0" if make_uscc(1)[-1] != "0" else "1"))
    with pytest.raises(ValidationError, match="invalid format"):
        clean_uscc("91330102ABCDEFGHIO")  # I and O are not in the USCC alphabet


def test_resident_id():
    assert clean_resident_id(make_ric(5)) == make_ric(5)
    with pytest.raises(ValidationError, match="invalid component"):
        clean_resident_id("11010519491232002" + ric.calc_check_digit("110105194912320020"))  # Dec 32
    # python-stdnum raises KeyError (not a ValidationError) for some districts created recently, e.g. Hangzhou's
    # Linping (330113); it must be a clear "invalid component", never a server error.
    body = "33011319900101001"
    with pytest.raises(ValidationError, match="invalid component"):
        clean_resident_id(body + ric.calc_check_digit(body + "0"))


@pytest.mark.parametrize("phone", ["13812345678", "0571-87654321", "057187654321", "138 1234 5678"])
def test_phone_ok(phone):
    assert clean_phone(phone) == phone.replace(" ", "")


@pytest.mark.parametrize("phone", ["12345678901", "1381234567", "abc", ""])
def test_phone_bad(phone):
    with pytest.raises(ValidationError, match="phone"):
        clean_phone(phone)


def test_regions_are_six_digit_gbt2260():
    assert region_name("330000") == "浙江省"
    assert region_name("330100") == "浙江省 杭州市"
    assert region_name("330782") == "浙江省 金华市 义乌市"
    assert region_name("110101") == "北京市 东城区"
    assert all(len(c) == 6 and c.isdigit() for c in regions())
    assert clean_region_code("330782") == "330782"
    with pytest.raises(ValidationError, match="unknown"):
        clean_region_code("330799")
    with pytest.raises(ValidationError, match="6 digits"):
        clean_region_code("3307")


def test_masks_and_blind_index():
    assert crypto.mask_id_number("210881199001011234") == "2108**********1234"
    assert crypto.mask_phone("13812345678") == "138****5678"
    token = crypto.encrypt("210881199001011234")
    assert "210881199001011234" not in token and crypto.decrypt(token) == "210881199001011234"
    assert crypto.blind_index("x") == crypto.blind_index("x") != crypto.blind_index("y")
