"""Round-number axis ticks for the report charts (templates/reports/_charts.html calls nice_ticks)."""

import math

STEPS = (1, 2, 5, 10)  # a tick step is one of these times a power of ten: 1, 2, 5, 10, 20, 50...


def nice_ticks(max_value: float, n: int = 5) -> list[float]:
    """Ticks 0, step, 2*step ... up to the first at or above max_value, about n steps, on round numbers.

    Counts (an int max_value) never get fractional steps; a max of 0 or less gives [0, 1] so a chart's
    scale never divides by zero.
    """
    if not max_value or max_value <= 0 or not math.isfinite(max_value):
        return [0, 1]
    raw = max_value / max(n, 1)
    if raw <= 0:  # a subnormal max_value divides to zero, whose logarithm does not exist
        return [0, 1]
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in STEPS if m * magnitude >= raw * (1 - 1e-9))
    if isinstance(max_value, int):
        step = max(1, round(step))
    count = math.ceil(max_value / step - 1e-9)
    # round() to the step's own decimals drops the binary noise of float steps (0.30000000000000004 → 0.3)
    digits = max(0, 1 - math.floor(math.log10(step)))
    ticks = [round(i * step, digits) for i in range(count + 1)]
    return [int(t) if float(t).is_integer() else t for t in ticks]
