"""Progress bars that switch themselves off when stderr is not a terminal."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")


def progress(items: Iterable[T], unit: str, total: int | None = None, show: bool | None = None) -> Iterator[T]:
    """Wrap an iterable in a tqdm bar; `show=None` shows it only on a terminal."""
    yield from tqdm(items, unit=f" {unit}", total=total, disable=None if show is None else not show, leave=False)
