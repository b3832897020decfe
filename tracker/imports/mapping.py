"""Which of the file's columns holds each field, guessed from the column names and changeable on the mapping page."""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    """An enquiry or patient detail a column can fill."""

    key: str
    label: str
    help: str
    names: tuple[str, ...]  # column names that mean this field, written as normalise() leaves them


FIELDS: tuple[Field, ...] = (
    Field("full_name", "Full name", "Split on the last space: first name(s), then surname; used when first and "
          "last name are not mapped.",
          ("name", "full name", "patient", "patient name", "client", "client name", "enquirer", "caller",
           "contact name", "customer", "customer name")),
    Field("first_name", "First name", "", ("first name", "firstname", "forename", "forenames", "given name", "first")),
    Field("last_name", "Last name", "", ("last name", "lastname", "surname", "family name", "last")),
    Field("phone", "Phone", "Any common UK or international form.",
          ("phone", "tel", "telephone", "mobile", "mob", "mobile number", "phone number", "tel no",
           "telephone number", "contact number", "number", "mobile phone")),
    Field("email", "E-mail", "", ("email", "e mail", "email address", "e mail address", "mail")),
    Field("date_of_birth", "Date of birth", "dd/mm/yyyy or yyyy-mm-dd, the year in full.",
          ("dob", "d o b", "date of birth", "birth date", "birthday", "born")),
    Field("received_at", "Enquiry date (required)", "dd/mm/yyyy, d/m/yy or yyyy-mm-dd (day first: a file of "
          "month/day dates is refused), with or without a time (HH:MM or HH:MM:SS), in clinic time.",
          ("date", "enquiry date", "received", "received at", "date received", "received on", "enquiry received",
           "date of enquiry", "created", "created at", "timestamp", "enquired", "date enquired")),
    Field("channel", "Channel", "Phone, Web form, E-mail, Walk-in, Social media, Referral or Other; blank: Other.",
          ("channel", "via", "contact method", "how contacted", "enquiry type", "medium")),
    Field("source", "Source", "Each value is matched to the clinic's sources in the next step.",
          ("source", "how did you hear", "how did you hear about us", "lead source", "referral source", "heard via",
           "where did you hear", "marketing source")),
    Field("concerns", "Concerns", "Separated by ; or , (e.g. Ice pick; Rolling).",
          ("concern", "concerns", "scar type", "scar types", "skin concern", "condition", "problem")),
    Field("treatments", "Treatments asked about",
          "Separated by ; or ,; each name is matched to the catalogue in the next step.",
          ("treatment", "treatments", "interested in", "treatment interest", "service", "services", "procedure")),
    Field("caller_words", "Notes / message", "Kept as the caller's words.",
          ("notes", "note", "message", "comments", "comment", "enquiry", "details", "enquiry details")),
    Field("stage", "Status", "Each value is matched to a stage in the next step; blank: New.",
          ("status", "stage", "outcome", "current status", "lead status")),
    Field("stage_on", "Status date", "When the status was reached, for a later stage kept as history.",
          ("status date", "stage date", "date of status", "status changed", "last updated", "updated",
           "updated at", "updated on")),
    Field("lost_reason", "Lost reason", "One of the clinic's lost reasons, for Lost rows.",
          ("lost reason", "reason lost", "reason", "why lost")),
    Field("follow_up_on", "Follow-up date", "Becomes the enquiry's next follow-up, with the reception team.",
          ("follow up", "follow up date", "follow up on", "next follow up", "next follow up date", "call back",
           "call back date", "callback", "callback date", "chase date", "next action", "next action date",
           "next contact", "next contact date", "follow up due")),
    Field("marketing_consent", "Marketing consent", "Yes or No; blank: No.",
          ("marketing", "marketing consent", "consent", "opt in", "optin", "newsletter", "marketing opt in")),
)
BY_KEY = {field.key: field for field in FIELDS}
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def normalise(header: str) -> str:
    """ "How did you hear about us?" → "how did you hear about us"; "E-mail" → "e mail"."""
    return _NOT_WORD.sub(" ", header.lower()).strip()


def _means(field: Field, name: str) -> bool:
    # Several words may start a longer name ("how did you hear" about us); one word must be the whole name.
    return name in field.names or any(" " in known and name.startswith(known + " ") for known in field.names)


def guess(headers: list[str]) -> dict[str, str]:
    """field key → the column that seems to hold it, each column used once, the first one that fits winning."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for field in FIELDS:
        for header in headers:
            if header not in used and _means(field, normalise(header)):
                mapping[field.key] = header
                used.add(header)
                break
    if "full_name" in mapping and "last_name" in mapping and "first_name" not in mapping:
        mapping["first_name"] = mapping.pop("full_name")  # "Name" beside "Surname" is the first name
    return mapping


def problems(mapping: dict[str, str], headers: list[str]) -> list[str]:
    """Why a mapping cannot be used: unknown fields or columns, a column used twice, a required field missing."""
    found = []
    unknown = sorted(set(mapping) - set(BY_KEY))
    if unknown:
        found.append(f"Unknown field: {', '.join(unknown)}. Fields: {', '.join(BY_KEY)}.")
    missing = [column for column in mapping.values() if column not in headers]
    if missing:
        found.append(f"The file has no column {', '.join(repr(m) for m in missing)}.")
    columns = list(mapping.values())
    twice = sorted({column for column in columns if columns.count(column) > 1})
    if twice:
        found.append(f"Each column can fill one field only: {', '.join(repr(t) for t in twice)} is chosen twice.")
    if "received_at" not in mapping:
        found.append("Choose the column holding the enquiry date.")
    if not {"full_name", "first_name", "last_name"} & mapping.keys():
        found.append("Choose the column holding the name (full name, or first and last name).")
    return found
