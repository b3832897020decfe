"""Recording and amending an assessment: the consultation attended, one per consultation, history kept."""

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.builders import row_count
from tests.consultations.conftest import assessment_form, assessment_rows, finding
from tests.pages import field_error, take_flashes
from tracker.audit.models import AuditAction, AuditEvent
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.clock import clinic_today
from tracker.consultations import services
from tracker.consultations.models import (
    SCREEN_QUESTIONS,
    Answer,
    Assessment,
    CountBand,
    ScarFinding,
    ScarType,
    SizeBasis,
    SkinType,
)
from tracker.enquiries.models import Enquiry, StageChange
from tracker.enquiries.stages import Stage
from tracker.extensions import db

COUNTS = ("gb_macular", "gb_mild_atrophic", "gb_moderate_atrophic", "gb_shallow_punched", "gb_shallow_broad",
          "gb_deep_punched", "gb_deep_abnormal", "gb_linear", "gb_deep_broad", "gb_papular")


def _appointment(app, appointment_id):
    with app.app_context():
        return db.session.get(Appointment, appointment_id)


def _stage(app, enquiry_id) -> Stage:
    with app.app_context():
        return db.session.get(Enquiry, enquiry_id).stage


def test_recording_on_a_started_consultation_marks_it_attended_and_moves_the_enquiry_to_consulted(
        app, client, login_as, consultation):
    specialist = login_as("specialist")
    appointment_id, enquiry_id = consultation()
    form = assessment_form({ScarType.ICE_PICK: finding(count="14", width_mm="1.25", depth_mm="2", size_basis="measured",
                                                       areas=["forehead", "nose"], other_areas="upper back"),
                            ScarType.MACULAR: finding(count_band="over_20")},
                           skin_type="V", predominant="ice_pick", gb_grade="4", distensible="no",
                           gb_deep_abnormal="14", gb_macular="25", notes="Deep tracts on the forehead.",
                           isotretinoin="yes", isotretinoin_last_taken="2025-01-31", herpes="history",
                           pregnancy="not_asked", wellbeing_note="Realistic expectations.")
    response = client.post(f"/consultations/{appointment_id}/assessment", data=form)
    assert response.status_code == 302
    [row] = assessment_rows(app)
    assert response.headers["Location"] == f"/assessments/{row['id']}"
    assert take_flashes(client) == [("success", "Assessment recorded.")]
    assert (row["skin_type"], row["gb_grade"], row["predominant"], row["distensible"]) == (
        SkinType.V, 4, ScarType.ICE_PICK, Answer.NO)
    assert {column: row[column] for column in COUNTS} == {**dict.fromkeys(COUNTS), "gb_macular": 25,
                                                          "gb_shallow_broad": 8, "gb_deep_abnormal": 14}
    assert row["assessed_by_id"] == specialist.id and row["enquiry_id"] == enquiry_id
    assert row["isotretinoin"] is Answer.YES and str(row["isotretinoin_last_taken"]) == "2025-01-31"
    assert row["pregnancy"] is Answer.NOT_ASKED and row["anticoagulants"] is Answer.NO
    assert [f["scar_type"] for f in row["findings"]] == list(ScarType)
    assert [f["position"] for f in row["findings"]] == [0, 1, 2, 3, 4]
    ice_pick, _, _, _, macular = row["findings"]
    assert ice_pick["present"] and ice_pick["count"] == 14 and ice_pick["count_band"] is CountBand.SEVERAL
    assert (ice_pick["width_mm"], ice_pick["depth_mm"]) == (Decimal("1.25"), Decimal("2"))
    assert ice_pick["size_basis"] is SizeBasis.MEASURED and ice_pick["areas"] == ["forehead", "nose"]
    assert ice_pick["other_areas"] == "upper back"
    assert macular["present"] and macular["count"] is None and macular["count_band"] is CountBand.MANY
    assert not row["findings"][1]["present"] and row["findings"][1]["areas"] == []
    assert _appointment(app, appointment_id).status is AppointmentStatus.ATTENDED
    assert _stage(app, enquiry_id) is Stage.CONSULTED


def test_every_subtype_count_is_stored_in_its_own_column_and_fills_the_form_when_amending(app, client, login_as,
                                                                                          consultation):
    login_as("specialist")
    appointment_id, _ = consultation()
    counts = {column: str(n + 1) for n, column in enumerate(COUNTS)}  # 1 to 10: each a different count
    url = f"/consultations/{appointment_id}/assessment"
    assert client.post(url, data=assessment_form(**counts, gb_keloid_area="under_5")).status_code == 302
    [row] = assessment_rows(app)
    assert {column: row[column] for column in COUNTS} == {column: int(n) for column, n in counts.items()}
    body = client.get(url).get_data(as_text=True)
    for column, n in counts.items():
        assert re.search(rf'<input[^>]*id="{column}"[^>]*value="{n}"', body), column
    # Every count is 1–10, so every multiplier is 1: mild 1 + 1; moderate 2 + 2 + 2; severe 3 + 3 + 3 + 3;
    # papular 2; keloid under 5 cm² 6. 2 + 6 + 12 + 2 + 6 = 28.
    page = client.get(f"/assessments/{row['id']}").get_data(as_text=True)
    assert 'data-testid="score-total"><strong>28</strong> of 84' in page


def test_the_form_groups_the_subtype_counts_by_class_with_the_points_in_each_legend(client, login_as, consultation):
    login_as("specialist")
    appointment_id, _ = consultation()
    body = client.get(f"/consultations/{appointment_id}/assessment").get_data(as_text=True)
    legends = re.findall(r'data-testid="lesion-class-\d"[^>]*>\s*<legend[^>]*>([^<]*)</legend>', body)
    assert [html.unescape(legend) for legend in legends] == [
        "Mild: 1 point per lesion", "Moderate: 2 points per lesion", "Severe: 3 points per lesion",
        "Hyperplastic: papular scars 2 points per lesion; hypertrophic or keloid scars by area (6, 12 or 18 points)"]
    fieldsets = body.split('data-testid="lesion-class-')[1:]
    placed = [re.findall(r'<input[^>]*id="(gb_\w+)"', fieldset.split("</fieldset>")[0]) for fieldset in fieldsets]
    assert placed == [list(COUNTS[:2]), list(COUNTS[2:5]), list(COUNTS[5:9]), ["gb_papular"]]
    assert 'id="gb_keloid_area"' in fieldsets[3].split("</fieldset>")[0]
    assert '<label class="form-label" for="gb_deep_abnormal">Punched-out scars with deep, abnormal bases (ice pick), ' \
           'small (&lt; 5 mm)</label>' in body


def test_recording_on_an_attended_consultation_leaves_it_attended(app, client, login_as, consultation):
    login_as("specialist")
    appointment_id, enquiry_id = consultation(status=AppointmentStatus.ATTENDED, hours_ago=30)
    assert client.post(f"/consultations/{appointment_id}/assessment", data=assessment_form()).status_code == 302
    assert row_count(app, Assessment) == 1
    assert _appointment(app, appointment_id).status is AppointmentStatus.ATTENDED
    assert _stage(app, enquiry_id) is Stage.CONSULTATION_BOOKED  # attending moved it already, in real life


def test_a_consultation_not_yet_started_is_refused_and_nothing_is_saved(app, client, login_as, consultation):
    login_as("specialist")
    appointment_id, enquiry_id = consultation(hours_ago=-2)
    opened = client.get(f"/consultations/{appointment_id}/assessment")
    assert opened.status_code == 302 and opened.headers["Location"] == f"/enquiries/{enquiry_id}"
    assert take_flashes(client) == [
        ("warning", "This consultation has not started yet: record the assessment once it has.")]
    response = client.post(f"/consultations/{appointment_id}/assessment", data=assessment_form())
    assert response.status_code == 200
    assert "This consultation has not started yet" in response.get_data(as_text=True)
    assert row_count(app, Assessment) == 0 and row_count(app, ScarFinding) == 0
    assert _appointment(app, appointment_id).status is AppointmentStatus.BOOKED
    assert _stage(app, enquiry_id) is Stage.CONSULTATION_BOOKED


def test_cancelled_consultations_and_treatment_sessions_carry_no_assessment(app, client, login_as, consultation):
    login_as("specialist")
    cancelled, _ = consultation(status=AppointmentStatus.CANCELLED)
    session, _ = consultation(kind=AppointmentKind.TREATMENT_SESSION)
    for appointment_id, reason in ((cancelled, "This consultation is cancelled, so it cannot carry an assessment."),
                                   (session, "Only a consultation carries an assessment.")):
        response = client.post(f"/consultations/{appointment_id}/assessment", data=assessment_form())
        assert response.status_code == 200 and reason in response.get_data(as_text=True)
    assert row_count(app, Assessment) == 0


def test_one_assessment_per_consultation_a_second_save_amends_it(app, client, login_as, recorded):
    login_as("specialist")
    assessment_id = recorded()
    [row] = assessment_rows(app)
    opened = client.get(f"/consultations/{row['appointment_id']}/assessment")
    body = opened.get_data(as_text=True)
    assert opened.status_code == 200 and "Amend the assessment" in body
    assert f'name="version" type="hidden" value="{row["version"]}"' in body
    assert 'value="8"' in body and 'value="5.00"' in body  # the rolling count and width, filled in
    response = client.post(f"/consultations/{row['appointment_id']}/assessment",
                           data=assessment_form(skin_type="IV", version=str(row["version"])))
    assert response.status_code == 302 and response.headers["Location"] == f"/assessments/{assessment_id}"
    assert take_flashes(client)[0] == ("success", "Assessment amended.")
    [after] = assessment_rows(app)
    assert after["id"] == assessment_id and after["skin_type"] is SkinType.IV and after["version"] == row["version"] + 1
    assert row_count(app, Assessment) == 1 and row_count(app, ScarFinding) == 5


def test_the_service_refuses_a_second_assessment_on_a_consultation(app, client, login_as, recorded):
    login_as("specialist")
    assessment_id = recorded()
    with app.test_request_context():
        first = services.get_assessment(assessment_id)
        details = services.AssessmentDetails(skin_type=SkinType.II, gb_grade=2, findings=[])
        with pytest.raises(services.AssessmentError, match="already has an assessment"):
            services.record_assessment(first.appointment, details, by_id=first.assessed_by_id)


def _audit_of(app, assessment_id) -> list[tuple]:
    with app.app_context():
        finding_ids = select(ScarFinding.id).where(ScarFinding.assessment_id == assessment_id)
        stmt = select(AuditEvent).where(
            ((AuditEvent.entity_type == "assessments") & (AuditEvent.entity_id == assessment_id))
            | ((AuditEvent.entity_type == "scar_findings") & AuditEvent.entity_id.in_(finding_ids))
        ).order_by(AuditEvent.id)
        return [(e.action, e.entity_type, e.changes) for e in db.session.scalars(stmt)]


def test_amending_keeps_each_change_in_the_trail_and_the_history(app, client, login_as, recorded):
    login_as("specialist", full_name="Dr Ada Quinn")
    assessment_id = recorded()
    [row] = assessment_rows(app)
    url = f"/consultations/{row['appointment_id']}/assessment"
    changed = assessment_form({ScarType.ROLLING: finding(count="8", width_mm="6", depth_mm="0.5",
                                                         size_basis="estimated", areas=["cheek_left"])})
    assert client.post(url, data={**changed, "version": str(row["version"])}).status_code == 302
    assert client.post(url, data={**changed, "gb_grade": "2", "version": str(row["version"] + 1)}).status_code == 302
    trail = _audit_of(app, assessment_id)
    creates = [t for t in trail if t[0] is AuditAction.CREATE]
    updates = [t for t in trail if t[0] is AuditAction.UPDATE]
    assert len(creates) == 6  # the assessment and its five findings
    assert ("scar_findings", {"width_mm": ["5", "6"], "areas": [["cheek_left", "cheek_right"], ["cheek_left"]]}) in [
        (t[1], t[2]) for t in updates]
    assert ("assessments", {"gb_grade": [3, 2]}) in [(t[1], t[2]) for t in updates]
    # The first amendment changed findings only: the assessment's version still moved on.
    assert assessment_rows(app)[0]["version"] == row["version"] + 2
    page = client.get(f"/assessments/{assessment_id}").get_data(as_text=True)
    history = page[page.index('data-testid="assessment-history"'):]
    assert history.count("Amended") == 2 and history.count("Recorded") == 1
    assert "Changed: qualitative grade" in history and "Changed: Rolling: width, Rolling: facial areas" in history
    assert history.index("qualitative grade") < history.index("Rolling: width")  # newest first
    assert "by Dr Ada Quinn" in history


def test_changing_subtype_counts_names_each_subtype_in_the_history(app, client, login_as, recorded):
    login_as("specialist")
    assessment_id = recorded()
    [row] = assessment_rows(app)
    form = assessment_form(gb_deep_abnormal="4", gb_shallow_broad="9", version=str(row["version"]))
    assert client.post(f"/consultations/{row['appointment_id']}/assessment", data=form).status_code == 302
    page = client.get(f"/assessments/{assessment_id}").get_data(as_text=True)
    history = page[page.index('data-testid="assessment-history"'):]
    [changed] = re.findall(r"Changed: ([^<]*)</div>", history)
    assert sorted(changed.split(", ")) == ["ice pick lesions", "shallow broad atrophic lesions"]


def test_a_stale_amend_answers_409_and_saves_nothing(app, client, login_as, recorded):
    login_as("specialist")
    recorded()
    [row] = assessment_rows(app)
    url = f"/consultations/{row['appointment_id']}/assessment"
    # A colleague changes only a finding: that alone must make the older form stale.
    colleague = assessment_form({ScarType.ROLLING: finding(count="9", size_basis="estimated")})
    assert client.post(url, data={**colleague, "version": str(row["version"])}).status_code == 302
    saved = assessment_rows(app)
    mine = assessment_form(skin_type="VI", notes="Mine")
    response = client.post(url, data={**mine, "version": str(row["version"])})
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "while you were editing it" in body and 'data-testid="conflict"' in body
    assert "Rolling: Exact count" in body  # the colleague's change, beside mine
    assert 'value="Type VI"' not in body and "Mine</textarea>" in body  # my input kept
    assert assessment_rows(app) == saved
    # Having compared, saving again goes through.
    assert f'name="version" type="hidden" value="{saved[0]["version"]}"' in body


def test_details_for_a_type_not_ticked_present_are_refused_beside_the_field(app, client, login_as, consultation):
    login_as("specialist")
    appointment_id, _ = consultation()
    form = assessment_form({ScarType.BOXCAR: finding(present=False, width_mm="2")})
    response = client.post(f"/consultations/{appointment_id}/assessment", data=form)
    assert response.status_code == 200
    assert field_error(response, "boxcar-present") == "Tick present, or clear the details."
    assert 'name="boxcar-width_mm"' in response.get_data(as_text=True) and 'value="2"' in response.get_data(
        as_text=True)
    assert row_count(app, Assessment) == 0


def test_depth_of_zero_or_less_is_refused_with_a_clear_message(app, client, login_as, consultation):
    login_as("specialist")
    appointment_id, _ = consultation()
    for depth in ("0", "-1", "0.00"):
        form = assessment_form({ScarType.BOXCAR: finding(count="3", depth_mm=depth, size_basis="measured")})
        response = client.post(f"/consultations/{appointment_id}/assessment", data=form)
        assert response.status_code == 200
        assert field_error(response, "boxcar-depth_mm") == (
            "The depth must be more than 0 mm; leave it blank if it was not assessed.")
    assert row_count(app, Assessment) == 0


def test_the_predominant_type_must_be_ticked_present(app, client, login_as, consultation):
    login_as("specialist")
    appointment_id, _ = consultation()
    response = client.post(f"/consultations/{appointment_id}/assessment", data=assessment_form(predominant="boxcar"))
    assert field_error(response, "predominant") == "Choose a scar type ticked present, or none."
    assert row_count(app, Assessment) == 0


def test_isotretinoin_taken_needs_a_date_not_in_the_future_nor_before_1950(app, client, login_as, consultation):
    login_as("specialist")
    appointment_id, _ = consultation()
    url = f"/consultations/{appointment_id}/assessment"
    with app.app_context():
        tomorrow = (clinic_today() + timedelta(days=1)).isoformat()
    cases = {"": "Give the date isotretinoin was last taken.", tomorrow: "The date cannot be in the future.",
             "1949-12-31": "Enter a date between 1950 and 2200.", "2999-01-01": "Enter a date between 1950 and 2200."}
    for typed, message in cases.items():
        response = client.post(url, data=assessment_form(isotretinoin="yes", isotretinoin_last_taken=typed))
        assert field_error(response, "isotretinoin_last_taken") == message
    response = client.post(url, data=assessment_form(isotretinoin="no", isotretinoin_last_taken="2020-01-01"))
    assert "choose Yes, or clear the date" in field_error(response, "isotretinoin_last_taken")
    assert row_count(app, Assessment) == 0


def test_every_screen_question_must_be_answered_and_starts_at_not_asked(app, client, login_as, consultation):
    login_as("specialist")
    appointment_id, _ = consultation()
    opened = client.get(f"/consultations/{appointment_id}/assessment").get_data(as_text=True)
    checked = re.findall(r'<input checked [^>]*name="(\w+)"[^>]*value="not_asked"', opened)
    assert sorted(checked) == sorted(["distensible", "isotretinoin", *(column for column, _ in SCREEN_QUESTIONS)])
    form = assessment_form()
    del form["anticoagulants"]
    response = client.post(f"/consultations/{appointment_id}/assessment", data=form)
    assert field_error(response, "anticoagulants") == "Answer yes, no or not asked."
    assert row_count(app, Assessment) == 0


def test_width_warnings_are_flashed_but_the_assessment_is_saved(app, client, login_as, consultation):
    login_as("specialist")
    appointment_id, _ = consultation()
    form = assessment_form({ScarType.ICE_PICK: finding(count="4", width_mm="2.5", size_basis="estimated"),
                            ScarType.ROLLING: finding(count="8")})
    response = client.post(f"/consultations/{appointment_id}/assessment", data=form)
    assert response.status_code == 302
    flashes = take_flashes(client)
    assert ("warning", "Ice pick scars are usually under 2 mm wide, but 2.5 mm was recorded: check the width, or "
                       "whether these are boxcar scars.") in flashes
    assert row_count(app, Assessment) == 1
    with app.app_context():
        assert db.session.scalar(select(StageChange.to_stage).order_by(StageChange.id.desc())) is Stage.CONSULTED
