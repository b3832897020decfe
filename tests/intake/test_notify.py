"""The new-enquiry e-mail, through a real SMTP server (aiosmtpd): who gets it, what it says, what it never says,
and that a mail failure never fails the visitor's submission."""

import email
import email.policy
import logging
import re
import socket

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from tests.intake.public_helpers import enable_form, stored, valid_form
from tracker.catalogue.models import Treatment
from tracker.enquiries.models import Enquiry
from tracker.extensions import db
from tracker.intake import notify

BASE_URL = "https://tracker.clinic.example/app"
NOTIFY = "reception@clinic.example"
# What the visitor typed that is clinical or identifying beyond a first name and initial: none may be e-mailed.
SECRET_MESSAGE = "isotretinoinlastyear keloidhistory"


class Inbox:
    """Keeps what it receives; refuses recipients in `refuse`."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(content, policy=email.policy.default) for _to, content in self.received]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox(app):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, BASE_URL=BASE_URL,
                      MAIL_FROM="Clinic tracker <tracker@clinic.example>")
    yield handler
    controller.stop()


def _submit_full(app, client) -> int:
    with app.app_context():
        treatment = db.session.scalars(select(Treatment).where(Treatment.active)).first()
        code, treatment_name = treatment.code, treatment.name
    response = client.post("/enquire", data=valid_form(
        app, first_name="Quentin", last_name="Marchbanks", email="quentin@example.com",
        concerns=["ice_pick", "active_acne"], treatments=[code], message=SECRET_MESSAGE))
    assert response.status_code == 302
    with app.app_context():
        return db.session.scalars(select(Enquiry.id)).one(), treatment_name


def test_a_web_enquiry_is_announced_once_with_name_initial_channel_time_and_link(app, client, make_user, inbox):
    enable_form(app, make_user, notify_email=NOTIFY)
    enquiry_id, _treatment = _submit_full(app, client)
    [msg] = inbox.messages()
    assert inbox.received[0][0] == [NOTIFY]
    assert msg["Subject"] == "New web enquiry" and msg["Auto-Submitted"] == "auto-generated"
    body = msg.get_body(("plain",)).get_content()
    assert "From:     Quentin M." in body
    assert "Channel:  Web form" in body
    assert re.search(r"Received: \d{2}/\d{2}/\d{4} \d{2}:\d{2}", body)
    assert f"{BASE_URL}/enquiries/{enquiry_id}" in body


def test_the_e_mail_carries_no_clinical_or_contact_details(app, client, make_user, inbox):
    enable_form(app, make_user, notify_email=NOTIFY)
    _enquiry_id, treatment = _submit_full(app, client)
    raw = inbox.received[0][1].decode()
    for secret in ("Marchbanks", "quentin@example.com", "7700", "isotretinoin", "keloid", "Ice pick", "ice_pick",
                   "Active acne", "active_acne", treatment):
        assert secret.lower() not in raw.lower(), secret


def test_no_notify_address_means_no_e_mail(app, client, make_user, inbox):
    enable_form(app, make_user)
    client.post("/enquire", data=valid_form(app))
    assert inbox.received == []


def test_a_refused_recipient_is_logged_without_the_address_and_the_submission_still_succeeds(
        app, client, make_user, inbox, caplog):
    enable_form(app, make_user, notify_email=NOTIFY)
    inbox.refuse.add(NOTIFY)
    before = stored(app)
    with caplog.at_level(logging.WARNING, logger="tracker.mail"):
        response = client.post("/enquire", data=valid_form(app))
    assert response.status_code == 302 and response.headers["Location"] == "/enquire/thanks"
    assert stored(app)[1] == before[1] + 1
    warnings = [r.getMessage() for r in caplog.records if r.name == "tracker.mail"]
    assert warnings == ["new-enquiry e-mail not sent: SMTPRecipientsRefused 550"]
    assert NOTIFY not in caplog.text and "Lovelace" not in caplog.text


def test_an_unreachable_mail_server_does_not_fail_the_submission(app, client, make_user, caplog):
    enable_form(app, make_user, notify_email=NOTIFY)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port())  # nothing listens there
    with caplog.at_level(logging.WARNING, logger="tracker.mail"):
        response = client.post("/enquire", data=valid_form(app))
    assert response.status_code == 302
    assert any("new-enquiry e-mail not sent: ConnectionRefusedError" in r.getMessage() for r in caplog.records)


def test_an_unexpected_error_while_announcing_is_logged_and_swallowed(app, client, make_user, monkeypatch, caplog):
    enable_form(app, make_user, notify_email=NOTIFY)

    def broken(*_args, **_kwargs):
        raise RuntimeError("template missing for ada@example.com")

    monkeypatch.setattr(notify, "message", broken)
    with caplog.at_level(logging.ERROR, logger="tracker.mail"):
        response = client.post("/enquire", data=valid_form(app))
    assert response.status_code == 302
    assert [r.getMessage() for r in caplog.records if r.name == "tracker.mail"] == [
        "new-enquiry e-mail failed: RuntimeError"]
    assert "ada@example.com" not in caplog.text


def test_without_a_mail_server_the_e_mail_is_logged_instead(app, client, make_user, caplog):
    enable_form(app, make_user, notify_email=NOTIFY)
    with caplog.at_level(logging.INFO, logger="tracker.mail"):
        client.post("/enquire", data=valid_form(app))
    assert any("Subject: New web enquiry" in r.getMessage() for r in caplog.records)


def test_announcing_an_enquiry_that_does_not_exist_sends_nothing(app, make_user, inbox):
    enable_form(app, make_user, notify_email=NOTIFY)
    with app.test_request_context():
        notify.announce(999_999)
    assert inbox.received == []
