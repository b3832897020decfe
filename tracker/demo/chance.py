"""Seeded random picks, faster than random.Random's own (the generator makes millions of them)."""

import bisect
import random
from collections.abc import Hashable
from itertools import accumulate


def choice(rng: random.Random, items):
    """rng.choice(items), in a quarter of the time."""
    return items[int(rng.random() * len(items))]


def between(rng: random.Random, low: int, high: int) -> int:
    """rng.randint(low, high), faster."""
    return low + int(rng.random() * (high - low + 1))


class Weighted:
    """A choice among values with given weights, drawn from the demo's seeded generator."""

    def __init__(self, weights: dict[Hashable, float]):
        kept = {value: weight for value, weight in weights.items() if weight > 0}
        self.values = list(kept)
        self.cumulative = list(accumulate(kept.values()))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random):
        """One value, each as likely as its weight says."""
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.total)]
