"""Archived patients and enquiries leave lists, search and counts; nothing is deleted, and a manager restores them."""

import re

from sqlalchemy import func, select

from tests.builders import read_enquiry
from tests.conftest import sign_in
from tracker.enquiries.models import Enquiry
from tracker.extensions import db
from tracker.patients.models import Patient


def _open_count(client) -> int:
    page = client.get("/enquiries").get_data(as_text=True)
    return int(re.search(r'data-testid="count-open">(\d+)<', page).group(1))


def _version(app, model, record_id) -> int:
    with app.app_context():
        return db.session.get(model, record_id).version


def test_an_archived_enquiry_leaves_the_list_and_counts_and_a_manager_restores_it(app, client, login_as, make_user,
                                                                                  make_enquiry, audit_rows):
    login_as("reception")
    kept, archived = make_enquiry(), make_enquiry()
    assert _open_count(client) == 2
    client.post(f"/enquiries/{archived}/archive", data={"version": _version(app, Enquiry, archived)})
    assert _open_count(client) == 1
    assert client.get(f"/enquiries/{archived}").status_code == 404
    assert client.post(f"/enquiries/{archived}/restore",
                       data={"version": _version(app, Enquiry, archived)}).status_code == 403
    assert [r["action"] for r in audit_rows(entity_type="enquiries", entity_id=archived)][-1] == "archive"

    sign_in(client, make_user("manager"))
    assert f"enquiry {archived}" in client.get("/archived").get_data(as_text=True)
    client.post(f"/enquiries/{archived}/restore", data={"version": _version(app, Enquiry, archived)})
    assert read_enquiry(app, archived).archived_at is None and _open_count(client) == 2
    assert [r["action"] for r in audit_rows(entity_type="enquiries", entity_id=archived)][-1] == "restore"
    assert kept


def test_an_archived_patient_leaves_search_with_their_enquiries_and_comes_back_with_them(app, client, login_as,
                                                                                          make_user, make_patient,
                                                                                          make_enquiry):
    login_as("reception")
    patient = make_patient("Greta", "Gone", phone="+447700900888")
    first, second, earlier = make_enquiry(patient), make_enquiry(patient), make_enquiry(patient)
    client.post(f"/enquiries/{earlier}/archive", data={"version": _version(app, Enquiry, earlier)})
    client.post(f"/patients/{patient}/archive", data={"version": _version(app, Patient, patient)},
                follow_redirects=True)
    assert "Greta" not in client.get("/search?q=greta").get_data(as_text=True)
    assert "Greta" not in client.get("/search?q=07700900888").get_data(as_text=True)
    assert _open_count(client) == 0 and client.get(f"/patients/{patient}").status_code == 404

    sign_in(client, make_user("manager"))
    client.post(f"/patients/{patient}/restore", data={"version": _version(app, Patient, patient)})
    assert "Greta Gone" in client.get("/search?q=greta").get_data(as_text=True)
    assert read_enquiry(app, first).archived_at is None and read_enquiry(app, second).archived_at is None
    assert read_enquiry(app, earlier).archived_at is not None  # archived on its own before: stays archived
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enquiry)) == 3  # nothing was deleted


def test_archiving_from_a_stale_page_is_refused(app, client, login_as, make_enquiry):
    login_as("reception")
    enquiry_id = make_enquiry()
    stale = _version(app, Enquiry, enquiry_id)
    client.post(f"/enquiries/{enquiry_id}/contact", data={"outcome": "reached"})
    assert client.post(f"/enquiries/{enquiry_id}/archive", data={"version": stale}).status_code == 409
    assert read_enquiry(app, enquiry_id).archived_at is None
