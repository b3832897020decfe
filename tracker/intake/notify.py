"""The new-enquiry e-mail: tells the clinic's chosen address that an enquiry arrived, with no clinical details."""

import logging
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from flask import current_app, render_template
from sqlalchemy import select

from tracker.clock import format_datetime
from tracker.enquiries.models import Enquiry
from tracker.extensions import db
from tracker.followups.digest import SEND_ERRORS, Mailer, failure_reason
from tracker.intake.public_form import form_settings
from tracker.links import page_url
from tracker.patients.models import Patient
from tracker.patients.names import short_name
from tracker.settings.services import clinic_name

logger = logging.getLogger("tracker.mail")
SUBJECT = "New web enquiry"


def _enquiry_url(enquiry_id: int) -> str:
    # Built from BASE_URL, not the request: the visitor may have reached the form through another host name.
    return page_url("enquiries.detail", enquiry_id=enquiry_id, external=True)


def message(enquiry_id: int, to: str) -> EmailMessage | None:
    """The e-mail for one enquiry: channel, when, first name and surname initial, a link. None if it is gone.

    Nothing the person wrote about their skin or wishes (concerns, treatments, message) and no phone number or
    e-mail address: the notice may sit in a shared mailbox, and that they contacted a scar clinic is already
    health data. The link leads to the rest, behind sign-in and the audit trail.
    """
    row = db.session.execute(select(Enquiry.channel, Enquiry.received_at, Patient.first_name, Patient.last_name)
                             .join(Patient, Patient.id == Enquiry.patient_id)
                             .where(Enquiry.id == enquiry_id)).one_or_none()
    if row is None:
        return None
    config = current_app.config
    sender = config.get("MAIL_FROM") or config["MAIL_DEFAULT_SENDER"]
    msg = EmailMessage()
    msg["Subject"] = SUBJECT
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = formatdate()
    msg["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or "localhost")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(render_template("intake/notify.txt", clinic_name=clinic_name(), channel=row.channel.label,
                                    received=format_datetime(row.received_at),
                                    name=short_name(row.first_name, row.last_name), url=_enquiry_url(enquiry_id)))
    return msg


def announce(enquiry_id: int) -> None:
    """E-mail the notify address (if one is set) that an enquiry arrived. Call after the commit; never raises.

    The enquiry is already stored and on reception's list, so a mail server that is down must not turn the
    visitor's submission into an error page (they would send it again).
    """
    try:
        to = form_settings().notify_email
        msg = message(enquiry_id, to) if to else None
        # The reads above opened a transaction (on SQLite a POST's holds the write lock): end it before a slow or
        # unreachable mail server can keep every other writer waiting.
        db.session.rollback()
        if msg is None:
            return
        with Mailer(current_app.config) as mailer:
            mailer.send(msg)
    except SEND_ERRORS as error:
        logger.warning("new-enquiry e-mail not sent: %s", failure_reason(error),
                       extra={"fields": {"enquiry_id": enquiry_id}})
    except Exception as error:  # see the docstring; the class name only, as the error's text may hold addresses
        logger.error("new-enquiry e-mail failed: %s", type(error).__name__,
                     extra={"fields": {"enquiry_id": enquiry_id}})
