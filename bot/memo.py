"""A bounded memo for per-word work: questions repeat the same words across every show they ask about."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Remembered(dict[str, T]):
    """`compute(key)`, remembered: a dict lookup is a third of a cached function call (bounded: cleared
    once it holds `size`, so hostile input cannot grow it)."""

    def __init__(self, compute: Callable[[str], T], size: int) -> None:
        super().__init__()
        self.compute = compute
        self.size = size

    def __missing__(self, key: str) -> T:
        if len(self) >= self.size:
            self.clear()
        value = self[key] = self.compute(key)
        return value
