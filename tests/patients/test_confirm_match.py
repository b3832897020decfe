"""An arrived enquiry flagged as possibly an existing patient: the banner on its page, the badge on the list, and
reception's decision (merge, or someone else), each checked against the enquiry's version and audited."""

from datetime import UTC, datetime

from sqlalchemy import select

from tests.builders import read_enquiry, read_patient, table_counts
from tracker.audit.models import AuditAction
from tracker.enquiries.models import Channel, Enquiry, MatchStrength
from tracker.extensions import db
from tracker.intake import services as intake
from tracker.patients.models import Patient


def _arrived(app, make_patient) -> tuple[int, int, int]:
    """(existing patient, enquiry, the enquiry's new patient): a web enquiry with an existing patient's number."""
    existing = make_patient(first_name="Ada", last_name="King", phone="+447700900123", email="ada@example.org")
    with app.app_context():
        arrived = intake.submit(intake.IntakeDetails(first_name="Ada", last_name="Lovelace", phone="+447700900123"),
                                channel=Channel.WEB_FORM, received_at=datetime(2026, 11, 24, 10, tzinfo=UTC))
        db.session.commit()
        return existing, arrived.id, arrived.patient_id


def _version(app, enquiry_id: int) -> str:
    return str(read_enquiry(app, enquiry_id).version)


def test_the_enquiry_page_shows_both_records_and_the_two_choices(app, client, login_as, make_patient):
    login_as("reception")
    existing, enquiry_id, _ = _arrived(app, make_patient)
    html = client.get(f"/enquiries/{enquiry_id}").get_data(as_text=True)
    banner = html.split('data-testid="match-banner"')[1].split("</section>")[0]
    assert "Likely the same person as" in banner and "(same phone number" in banner
    assert f'href="/patients/{existing}"' in banner and "Ada King" in banner and "Ada Lovelace" in banner
    assert "ada@example.org" in banner
    assert f'action="/enquiries/{enquiry_id}/match/confirm"' in banner
    assert f'action="/enquiries/{enquiry_id}/match/reject"' in banner


def test_a_manager_sees_the_banner_without_the_buttons_and_an_unflagged_enquiry_has_none(
        app, client, login_as, make_patient, make_enquiry):
    login_as("manager")
    _, enquiry_id, _ = _arrived(app, make_patient)
    html = client.get(f"/enquiries/{enquiry_id}").get_data(as_text=True)
    assert 'data-testid="match-banner"' in html and "/match/confirm" not in html
    assert 'data-testid="match-banner"' not in client.get(f"/enquiries/{make_enquiry()}").get_data(as_text=True)


def test_the_list_marks_flagged_enquiries(app, client, login_as, make_patient, make_enquiry):
    login_as("reception")
    make_enquiry()
    _arrived(app, make_patient)
    assert client.get("/enquiries").get_data(as_text=True).count('data-testid="possible-match"') == 1


def test_yes_merges_the_new_record_into_the_existing_one_and_clears_the_match(app, client, login_as, make_patient,
                                                                             audit_rows):
    user = login_as("reception")
    existing, enquiry_id, new = _arrived(app, make_patient)
    before = table_counts(app)
    response = client.post(f"/enquiries/{enquiry_id}/match/confirm", data={"version": _version(app, enquiry_id)})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/enquiries/{enquiry_id}")
    moved = read_enquiry(app, enquiry_id)
    assert (moved.patient_id, moved.match_patient_id, moved.match_strength, moved.match_reason) == (
        existing, None, None, None)
    assert read_patient(app, new).merged_into_id == existing
    merges = audit_rows(action=AuditAction.MERGE)
    assert [(m["changes"]["kept"], m["changes"]["merged"], m["actor_id"]) for m in merges] == [
        (existing, new, user.id)]
    after = table_counts(app)
    assert {k: v for k, v in after.items() if k != "audit_events"} == {
        k: v for k, v in before.items() if k != "audit_events"}  # same number: nothing to keep as a contact
    assert "now part of Ada King" in client.get(f"/enquiries/{enquiry_id}").get_data(as_text=True)


def test_no_clears_the_match_keeps_both_records_and_is_audited(app, client, login_as, make_patient, audit_rows):
    user = login_as("reception")
    existing, enquiry_id, new = _arrived(app, make_patient)
    response = client.post(f"/enquiries/{enquiry_id}/match/reject", data={"version": _version(app, enquiry_id)})
    assert response.status_code == 302
    kept = read_enquiry(app, enquiry_id)
    assert (kept.patient_id, kept.match_patient_id, kept.match_strength, kept.match_reason) == (new, None, None, None)
    assert read_patient(app, existing).archived_at is None and read_patient(app, new).archived_at is None
    changes = [e for e in audit_rows(entity_type="enquiries", entity_id=enquiry_id, action=AuditAction.UPDATE)
               if (e["changes"] or {}).get("match_patient_id", [None, 0])[1] is None]
    assert len(changes) == 1 and changes[0]["actor_id"] == user.id
    assert changes[0]["changes"]["match_patient_id"] == [existing, None]
    assert 'data-testid="match-banner"' not in client.get(f"/enquiries/{enquiry_id}").get_data(as_text=True)


def test_a_stale_enquiry_version_is_a_409_and_nothing_changes(app, client, login_as, make_patient):
    login_as("reception")
    existing, enquiry_id, new = _arrived(app, make_patient)
    with app.app_context():
        db.session.get(Enquiry, enquiry_id).caller_words = "Edited by a colleague"
        db.session.commit()
    stale = int(_version(app, enquiry_id)) - 1
    before = table_counts(app)
    for action in ("confirm", "reject"):
        response = client.post(f"/enquiries/{enquiry_id}/match/{action}", data={"version": str(stale)})
        assert response.status_code == 409 and "changed by" in response.get_data(as_text=True)
    assert {k: v for k, v in table_counts(app).items() if k != "audit_events"} == {
        k: v for k, v in before.items() if k != "audit_events"}
    flagged = read_enquiry(app, enquiry_id)
    assert (flagged.match_patient_id, flagged.match_strength) == (existing, MatchStrength.STRONG)
    assert read_patient(app, new).archived_at is None


def test_deciding_twice_says_there_is_no_match_any_more(app, client, login_as, make_patient):
    login_as("reception")
    _, enquiry_id, _ = _arrived(app, make_patient)
    assert client.post(f"/enquiries/{enquiry_id}/match/reject",
                       data={"version": _version(app, enquiry_id)}).status_code == 302
    for action in ("confirm", "reject"):
        response = client.post(f"/enquiries/{enquiry_id}/match/{action}", data={"version": _version(app, enquiry_id)})
        assert response.status_code == 302
    assert "no possible match" in client.get(f"/enquiries/{enquiry_id}").get_data(as_text=True)


def test_a_match_whose_patient_was_archived_can_only_be_rejected(app, client, login_as, make_patient):
    login_as("reception")
    existing, enquiry_id, new = _arrived(app, make_patient)
    with app.app_context():
        db.session.get(Patient, existing).archived_at = db.func.now()
        db.session.commit()
    html = client.get(f"/enquiries/{enquiry_id}").get_data(as_text=True)
    assert "has since been archived" in html and "/match/confirm" not in html
    client.post(f"/enquiries/{enquiry_id}/match/confirm", data={"version": _version(app, enquiry_id)})
    assert read_patient(app, new).archived_at is None
    with app.app_context():
        assert db.session.scalar(select(Enquiry.patient_id).where(Enquiry.id == enquiry_id)) == new


def test_the_banner_costs_one_statement_and_keeps_the_enquiry_page_within_its_budget(app, client, login_as,
                                                                                    make_patient, make_enquiry):
    from tests.conftest import count_queries
    from tests.enquiries.test_query_budget import BUDGET

    login_as("reception")
    plain = make_enquiry()
    _, flagged, _ = _arrived(app, make_patient)
    counts = []
    for enquiry_id in (plain, flagged):
        client.get(f"/enquiries/{enquiry_id}")
        with count_queries(app) as statements:
            assert client.get(f"/enquiries/{enquiry_id}").status_code == 200
        counts.append(len(statements))
    assert counts[1] <= counts[0] + 1 and counts[1] <= BUDGET["enquiry"]


def test_no_is_remembered_so_the_duplicates_page_leaves_the_pair_out(app, client, login_as, make_patient):
    from tracker.patients.models import DistinctPair

    user = login_as("reception")
    existing, enquiry_id, new = _arrived(app, make_patient)
    assert f"/patients/{existing}/merge/{new}" in client.get("/patients/duplicates").get_data(as_text=True)
    client.post(f"/enquiries/{enquiry_id}/match/reject", data={"version": _version(app, enquiry_id)})
    with app.app_context():
        rows = db.session.execute(select(DistinctPair.low_id, DistinctPair.high_id, DistinctPair.by_id)).all()
    assert [tuple(r) for r in rows] == [(existing, new, user.id)]
    assert f"/patients/{existing}/merge/{new}" not in client.get("/patients/duplicates").get_data(as_text=True)
