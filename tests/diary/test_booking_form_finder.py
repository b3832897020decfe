"""The booking form: filled from a diary slot, and its next-free-slots finder (a GET that works without JavaScript)."""

from tests.bookings.conftest import ANSWERED, DAY
from tests.builders import local


def test_the_finder_lists_free_slots_each_filling_the_form(client, login_as, make_user, make_enquiry,
                                                           make_appointment):
    login_as("reception")
    sam = make_user("specialist", full_name="Sam Specialist")
    enquiry_id = make_enquiry(**ANSWERED)
    make_appointment(make_enquiry(**ANSWERED), sam.id, local(DAY, "09:00"), minutes=60)
    url = f"/enquiries/{enquiry_id}/consultations/new"
    body = client.get(url, query_string={"find-minutes": "45", "find-specialist": str(sam.id),
                                         "find-after": DAY.isoformat()}).get_data(as_text=True)
    assert 'data-testid="free-slots"' in body
    assert f"{DAY:%d/%m/%Y} 10:00" in body and "45 min · Sam Specialist" in body
    assert f"{url}?date={DAY}&amp;time=10:00&amp;minutes=45&amp;specialist={sam.id}" in body
    filled = client.get(f"{url}?date={DAY}&time=10:00&minutes=45&specialist={sam.id}").get_data(as_text=True)
    assert f'value="{DAY}"' in filled and 'value="10:00"' in filled and 'value="45"' in filled
    assert f'selected value="{sam.id}"' in filled


def test_a_finder_with_bad_input_says_so_beside_the_field(client, login_as, make_user, make_enquiry):
    login_as("reception")
    make_user("specialist")
    body = client.get(f"/enquiries/{make_enquiry(**ANSWERED)}/consultations/new",
                      query_string={"find-minutes": "0", "find-specialist": "abc"}).get_data(as_text=True)
    assert 'id="find-minutes-error"' in body and 'id="find-specialist-error"' in body
    assert 'data-testid="free-slots"' not in body
