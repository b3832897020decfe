"""Phone numbers: stored in E.164, shown in national format, found however they are typed."""

import re
from functools import lru_cache

import phonenumbers
from flask import current_app

_DIALLABLE = re.compile(r"^\+?[\d\s\-().]+$")


_WHY_NOT = {
    phonenumbers.ValidationResult.TOO_SHORT: "This number is too short; check the digits.",
    phonenumbers.ValidationResult.TOO_LONG: "This number is too long; check the digits.",
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "The country code is not right; start with + and the code.",
    phonenumbers.ValidationResult.INVALID_LENGTH: "This number has the wrong number of digits.",
}


class InvalidPhone(ValueError):
    """The text is not a phone number we can dial."""


def _region() -> str:
    return current_app.config["DEFAULT_PHONE_REGION"]


def normalise_phone(text: str) -> str:
    """E.164 form of a number typed in any common way ("07700 900123", "+44 7700-900123", "447700900123")."""
    text = (text or "").strip()
    if not _DIALLABLE.match(text):
        raise InvalidPhone("Enter a phone number using digits, spaces or dashes, e.g. 07700 900123.")
    try:
        number = phonenumbers.parse(text, _region())
    except phonenumbers.NumberParseException as error:
        raise InvalidPhone("This is not a phone number we can recognise.") from error
    # Possible (right length for its country) rather than valid: the validity tables lag new
    # number ranges and refuse Ofcom's drama range (07700 900xxx) that demos and training use.
    if number.italian_leading_zero and not phonenumbers.is_valid_number(number):
        # A trunk 0 left in the number ("07700 90" read as +44 0770090): digits are missing.
        raise InvalidPhone("This number is too short; check the digits.")
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        raise InvalidPhone(_WHY_NOT.get(reason, "This is not a phone number we can recognise."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str | None) -> str:
    """National format for the clinic's own country ("07700 900123"), international otherwise."""
    return _display(e164, _region()) if e164 else ""


@lru_cache(maxsize=4096)
def _display(e164: str, region: str) -> str:
    # Formatting parses the number again (about 0.1 ms); lists show the same numbers all day.
    number = phonenumbers.parse(e164, None)
    same_country = number.country_code == phonenumbers.country_code_for_region(region)
    style = phonenumbers.PhoneNumberFormat.NATIONAL if same_country else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


def reversed_digits(e164: str | None) -> str | None:
    """A stored number's digits backwards ("+447700900123" → "321009007744"): its last digits become a prefix,
    so a search by the end of a number reads a plain index as a range."""
    return e164[1:][::-1] if e164 else None


def phone_search_suffix(text: str) -> str | None:
    """The reversed digits of a number's end typed without a "+" ("900 123" → "321009"), or None.

    At least six digits, as for a start. A "+" says the typed digits are the start of a number, so they are
    not looked for at its end.
    """
    typed = text.strip()
    if typed.startswith("+") or not _DIALLABLE.match(typed):
        return None
    digits = re.sub(r"\D", "", typed)
    return digits[::-1] if 6 <= len(digits) <= 15 else None


def phone_search_prefix(text: str) -> str | None:
    """The E.164 prefix a typed (possibly partial) number stands for, or None if it is not a number.

    "07700 900" → "+447700900"; "+44 7700" and "447700" → "+447700". At least six digits,
    so a short string of digits does not list half the clinic.
    """
    text = text.replace("(0)", "")  # "+44 (0)7700 900123": the trunk 0 written for national callers
    if not _DIALLABLE.match(text.strip()):
        return None
    digits = re.sub(r"\D", "", text)
    if len(digits) < 6:
        return None
    country = str(phonenumbers.country_code_for_region(_region()))
    typed = text.strip()
    if typed.startswith("+"):
        return "+" + digits
    if typed.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith("0"):
        return f"+{country}{digits[1:]}"
    if digits.startswith(country):
        return "+" + digits
    return f"+{country}{digits}"
