"""An assessment sent with answers missing or wrong comes back with a summary at the top: role="alert", focusable,
one link per problem, each to a field that exists on the page (sub-form fields and radio groups included)."""

import re

from tests.consultations.conftest import assessment_form, assessment_rows, finding
from tests.pages import error_summary
from tracker.consultations.models import ScarType


def test_a_missing_answer_is_summarised_with_a_link_to_its_first_choice(app, client, login_as, consultation):
    login_as("specialist")
    appointment_id, _ = consultation()
    data = assessment_form()
    del data["skin_type"]
    response = client.post(f"/consultations/{appointment_id}/assessment", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    summary = error_summary(body)
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary and "data-error-summary" in summary
    assert "Please check this:" in summary
    assert re.search(r'<a href="#skin_type-0">Skin type \(Fitzpatrick\)</a>', summary)
    assert 'id="skin_type-0"' in body
    assert body.index('data-testid="error-summary"') < body.index('data-testid="assessment-form"')
    assert 'src="/static/js/error-summary.js"' in body
    assert assessment_rows(app) == []


def test_every_problem_links_to_a_field_on_the_page(app, client, login_as, consultation):
    login_as("specialist")
    appointment_id, _ = consultation()
    data = assessment_form(findings={ScarType.BOXCAR: finding(count="many", areas=["elbow"])},
                           gb_grade="9", isotretinoin="yes", gb_macular="-1")
    del data["skin_type"]
    response = client.post(f"/consultations/{appointment_id}/assessment", data=data)
    body = response.get_data(as_text=True)
    links = re.findall(r'<li><a href="#([^"]+)">([^<]+)</a>', error_summary(body))
    targets = [target for target, _ in links]
    assert len(links) >= 6 and len(set(targets)) == len(targets)
    for target in targets:
        assert body.count(f'id="{target}"') == 1, target
    labels = dict(links)
    assert labels["boxcar-count"] == "Boxcar: Exact count"  # a sub-form's field says which scar type
    assert "boxcar-areas-0" in labels and "gb_grade-0" in labels and "skin_type-0" in labels
    assert "isotretinoin_last_taken" in labels and "gb_macular" in labels
    assert f"Please check these {len(links)}:" in body


def test_a_valid_page_has_no_summary(client, login_as, consultation):
    login_as("specialist")
    appointment_id, _ = consultation()
    body = client.get(f"/consultations/{appointment_id}/assessment").get_data(as_text=True)
    assert 'data-testid="error-summary"' not in body
