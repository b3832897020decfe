"""The enquiry page, in every state and for every role that opens it, has no id twice, and each label names the
control it is for (the call-back note's label is the call-back note's, not the lost-reason box's)."""

import pytest

from tests.conftest import sign_in
from tests.enquiries.page_states import STATES, enquiry_in, read_page

ROLES = ("reception", "specialist", "manager", "admin")
# A label's for= and the form field it must point at: (tag, name).
LABELLED = {"contact-note": ("textarea", "note"), "contact-outcome": ("select", "outcome"),
            "lost-note": ("textarea", "note"), "lost-lost_reason_id": ("select", "lost_reason_id"),
            "note-body": ("textarea", "body")}


@pytest.mark.parametrize("state", STATES)
def test_every_id_is_unique_and_every_label_points_at_its_control(app, client, make_user, make_enquiry, state):
    specialist = make_user("specialist", full_name="Dr Ada Quinn")
    enquiry_id = enquiry_in(app, make_enquiry, state, specialist.id)
    for role in ROLES:
        sign_in(client, specialist if role == "specialist" else make_user(role))
        response = client.get(f"/enquiries/{enquiry_id}")
        assert response.status_code == 200
        page = read_page(response.get_data(as_text=True))
        assert page.repeated == [], f"{role}, {state}: ids used twice"
        missing = [target for target in page.label_for if target not in page.controls]
        assert missing == [], f"{role}, {state}: labels for nothing"
        for target in page.label_for:
            if target in LABELLED:
                assert page.controls[target] == LABELLED[target], f"{role}, {state}: {target}"
        assert page.label_for.count("note") == 0  # the bare "note" id that two forms shared is gone
