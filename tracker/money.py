"""Money: stored as integer pence, entered and shown as pounds with two decimals (never a float)."""

from decimal import Decimal

from wtforms import DecimalField
from wtforms.validators import InputRequired, NumberRange, StopValidation

MAX_POUNDS = Decimal("100000.00")  # per session; far above any real price, below integer limits


def format_pence(pence: int | None) -> str:
    """£1,234.50 from 123450 pence; an empty string for None."""
    if pence is None:
        return ""
    sign = "−" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}.{rest:02d}"


def to_pence(pounds: Decimal) -> int:
    """Pence from a validated amount in pounds."""
    return int(pounds * 100)


def to_pounds(pence: int | None) -> Decimal | None:
    """The amount in pounds a form shows for a number of pence."""
    return None if pence is None else Decimal(pence) / 100


def two_places(_form, field) -> None:
    """A form validator: an amount in pounds with at most two decimals (blank is left to other validators)."""
    # StopValidation: NumberRange would raise on NaN rather than refuse it.
    if field.data is not None and (not field.data.is_finite() or field.data.as_tuple().exponent < -2):
        raise StopValidation("Enter pounds and pence, such as 250 or 249.50.")


def pounds_field(label: str, *, description: str | None = None) -> DecimalField:
    """A required amount in pounds: 0 to 100,000 with at most two decimals."""
    return DecimalField(label, places=2, description=description,
                        render_kw={"step": "0.01", "min": 0, "inputmode": "decimal"},
                        validators=[InputRequired(message="Enter the price in pounds, such as 250 or 249.50."),
                                    two_places,
                                    NumberRange(0, MAX_POUNDS, message="Enter an amount from £0 to £100,000.")])
