"""The merge page (side by side, keep either, 409 when either record changed), refusals, and who may merge."""

import pytest

from tests.builders import read_patient
from tests.patients.helpers import flag_match
from tracker.extensions import db
from tracker.patients.models import Patient


def _post(client, first: int, second: int, keep: int, versions=(1, 1)):
    return client.post(f"/patients/{first}/merge/{second}",
                       data={"keep": str(keep), "first_version": str(versions[0]),
                             "second_version": str(versions[1])})


def test_the_page_shows_both_records_side_by_side_with_a_keep_button_for_each(client, login_as, make_patient):
    login_as("reception")
    a = make_patient(first_name="Ada", last_name="King", email="ada@example.org")
    b = make_patient(first_name="Ada", last_name="Lovelace", notes="Allergic to plasters")
    html = client.get(f"/patients/{a}/merge/{b}").get_data(as_text=True)
    for text in ("Ada King", "Ada Lovelace", "ada@example.org", "Allergic to plasters", f'data-testid="keep-{a}"',
                 f'data-testid="keep-{b}"'):
        assert text in html


@pytest.mark.parametrize("keep_second", [False, True])
def test_either_record_can_be_kept_and_the_other_is_merged_into_it(app, client, login_as, make_patient, keep_second):
    login_as("reception")
    a, b = make_patient(), make_patient()
    keep, other = (b, a) if keep_second else (a, b)
    response = _post(client, a, b, keep)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/patients/{keep}")
    assert read_patient(app, other).merged_into_id == keep and read_patient(app, keep).archived_at is None


def test_a_change_to_either_record_since_the_page_opened_is_a_409_naming_who_and_nothing_merges(
        app, client, login_as, make_patient, make_user):
    login_as("reception")
    a, b = make_patient(), make_patient()
    with app.app_context():
        db.session.get(Patient, b).preferred_times = "mornings"  # a colleague's edit: version 2
        db.session.commit()
    response = _post(client, a, b, a, versions=(1, 1))
    assert response.status_code == 409
    assert "changed by" in response.get_data(as_text=True)
    assert read_patient(app, b).archived_at is None
    # The page now carries the saved versions: merging again, having looked, goes through.
    assert 'name="second_version" type="hidden" value="2"' in response.get_data(as_text=True)
    assert _post(client, a, b, a, versions=(1, 2)).status_code == 302


@pytest.mark.parametrize("case", ["itself", "archived", "merged"])
def test_merging_with_itself_an_archived_or_a_merged_record_is_refused_with_a_reason(app, client, login_as,
                                                                                    make_patient, case):
    login_as("reception")
    a, b, c = make_patient(), make_patient(), make_patient()
    if case == "archived":
        with app.app_context():
            db.session.get(Patient, b).archived_at = db.func.now()
            db.session.commit()
    if case == "merged":
        assert _post(client, c, b, c).status_code == 302
    target = a if case == "itself" else b
    for response in (client.get(f"/patients/{a}/merge/{target}"), _post(client, a, target, a)):
        assert response.status_code == 302 and response.headers["Location"].endswith("/patients/duplicates")
    flashes = client.get("/patients/duplicates").get_data(as_text=True)
    assert {"itself": "itself", "archived": "archived", "merged": "already merged into"}[case] in flashes
    assert read_patient(app, a).archived_at is None


def test_an_unknown_record_is_a_404(client, login_as, make_patient):
    login_as("reception")
    a = make_patient()
    assert client.get(f"/patients/{a}/merge/99999").status_code == 404


@pytest.mark.parametrize("role", ["reception", "specialist", "admin", "manager"])
def test_only_roles_with_patient_merge_may_merge_or_decide_matches(app, client, login_as, make_patient,
                                                                   make_enquiry, role):
    login_as(role)
    a, b = make_patient(), make_patient()
    enquiry_id = make_enquiry(patient_id=b)
    flag_match(app, enquiry_id, a)
    answers = [client.get("/patients/duplicates").status_code, client.get(f"/patients/{a}/merge/{b}").status_code,
               client.post(f"/patients/{a}/merge/{b}", data={}).status_code,
               client.post(f"/enquiries/{enquiry_id}/match/confirm", data={}).status_code,
               client.post(f"/enquiries/{enquiry_id}/match/reject", data={}).status_code]
    if role == "manager":
        assert answers == [403] * 5
    else:
        assert 403 not in answers and all(status < 500 for status in answers)
    assert read_patient(app, b).archived_at is None  # empty posts changed nothing


def _merged(app, make_patient) -> tuple[int, int]:
    from tracker.patients import merge as merging

    keep, other = make_patient(first_name="Ada", last_name="King"), make_patient(first_name="Ada", last_name="Lee")
    with app.app_context():
        merging.merge(db.session.get(Patient, keep), db.session.get(Patient, other), by_id=None)
        db.session.commit()
    return keep, other


def test_a_merged_record_cannot_be_restored_and_stays_archived_into_the_kept_one(app, client, login_as,
                                                                                make_patient):
    login_as("manager")
    keep, other = _merged(app, make_patient)
    response = client.post(f"/patients/{other}/restore", data={"version": str(read_patient(app, other).version)},
                           follow_redirects=True)
    assert response.status_code == 200
    assert f"was merged into patient #{keep}" in response.get_data(as_text=True)
    gone = read_patient(app, other)
    assert gone.archived_at is not None and gone.merged_into_id == keep


def test_the_archived_page_labels_a_merged_record_without_a_restore_button(app, client, login_as, make_patient):
    login_as("manager")
    keep, other = _merged(app, make_patient)
    plain = make_patient(first_name="Bo", last_name="Archived")
    with app.app_context():
        db.session.get(Patient, plain).archived_at = db.func.now()
        db.session.commit()
    html = client.get("/archived").get_data(as_text=True)
    assert f'Merged into <a href="/patients/{keep}">#{keep}</a>' in html
    assert f'action="/patients/{other}/restore"' not in html and f'action="/patients/{plain}/restore"' in html


def test_a_merged_record_made_live_before_this_rule_is_no_longer_offered(app, client, login_as, make_patient):
    from tracker.patients import services

    login_as("reception")
    _, other = _merged(app, make_patient)
    with app.app_context():
        db.session.get(Patient, other).archived_at = None  # restored while restoring a merged record was allowed
        db.session.commit()
        assert services.get_patient(other) is None and services.get_patient(other, archived=True).id == other
    html = client.post("/enquiries/new", data={"attach_patient": str(other)}).get_data(as_text=True)
    assert "no longer on the list (archived or merged)" in html
    assert client.get(f"/patients/{other}/edit").status_code == 404
