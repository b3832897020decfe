"""Extension points: a lower feature declares a Hook, features above it register providers at import time."""

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Hook(Generic[T]):
    """A named point where features built on the owner contribute; `ask` calls every provider in rank order.

    The owner declares it (`lost = Hook("enquiry lost")`) and never imports who answers; a feature above
    registers with `@lost.provider(rank=...)` in a module its package imports, so the app's start-up wires it.
    Rank orders the answers (lower first; equal ranks keep registration order), so a page or a list built from
    them does not depend on which feature happened to be imported first.
    """

    def __init__(self, name: str):
        self.name = name
        self._providers: list[tuple[int, Callable[..., T]]] = []

    def provider(self, rank: int = 100) -> Callable[[Callable[..., T]], Callable[..., T]]:
        """Register the decorated function as a provider (once, however often its module is imported)."""

        def register(function: Callable[..., T]) -> Callable[..., T]:
            key = (function.__module__, function.__qualname__)
            self._providers = [(r, f) for r, f in self._providers if (f.__module__, f.__qualname__) != key]
            self._providers.append((rank, function))
            self._providers.sort(key=lambda pair: pair[0])  # stable: equal ranks keep registration order
            return function

        return register

    def ask(self, *args, **kwargs) -> list[T]:
        """Every provider's answer, in rank order."""
        return [function(*args, **kwargs) for _, function in self._providers]

    def providers(self) -> list[str]:
        """Who answers, as 'module.function' in rank order (for the docs and the tests)."""
        return [f"{f.__module__}.{f.__qualname__}" for _, f in self._providers]

    def __repr__(self) -> str:
        return f"<Hook {self.name!r}: {len(self._providers)} providers>"
