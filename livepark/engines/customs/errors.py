"""Validation problems and the exception that carries them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One broken rule: where (``CEB311Message/Order[0]/OrderHead/orderNo``), which rule, and why."""

    path: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.rule}: {self.message}"


class CebValidationError(ValueError):
    """Raised by the codec when a message breaks the CEB field rules; lists every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in CEB message:\n{lines}")

    def __reduce__(self) -> tuple[type, tuple[tuple[Problem, ...]]]:
        # Keep the problems when the error crosses a process boundary (pickling).
        return (type(self), (self.problems,))
