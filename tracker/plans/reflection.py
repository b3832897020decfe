"""The reflection period: a first session cannot be booked before the patient has had time to decide."""

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Reflection:
    """The earliest date a plan's first session may be booked, and why."""

    earliest: date
    info_given_on: date
    days: int
    because_of: str  # the treatment with the longest minimum period

    def explain(self) -> str:
        return (f"information given on {self.info_given_on:%d/%m/%Y} + {self.days} days' reflection "
                f"for {self.because_of}")


def reflection(plan) -> Reflection | None:
    """Information-given date plus the longest minimum reflection period of the plan's items (None until both exist).

    Each item carries the period its treatment had when it was added, so a later catalogue change
    does not move the date a patient was told.
    """
    if plan.info_given_on is None or not plan.items:
        return None
    longest = max(plan.items, key=lambda item: item.reflection_days)
    return Reflection(earliest=plan.info_given_on + timedelta(days=longest.reflection_days),
                      info_given_on=plan.info_given_on, days=longest.reflection_days,
                      because_of=longest.treatment.name)
