"""The quick log offers the next free slots; the one chosen opens the booking form filled after saving."""

from tests.bookings.conftest import DAY

CALLER = {"first_name": "Cy", "last_name": "Dee", "channel": "phone", "preferred_contact": "any",
          "received_at": "2025-01-15T10:30"}


def test_the_panel_lists_free_slots_as_choices(client, login_as, make_user):
    login_as("reception")
    sam = make_user("specialist", full_name="Sam Specialist")
    body = client.get("/diary/free?fragment=1").get_data(as_text=True)
    assert 'name="book_slot"' in body and "Sam Specialist" in body and f"specialist={sam.id}" in body
    page = client.get(f"/diary/free?find-minutes=60&find-specialist={sam.id}&find-after={DAY}")
    assert page.status_code == 200 and f"{DAY:%d/%m/%Y} 09:00 · 60 min · Sam Specialist" in page.get_data(as_text=True)


def test_a_slot_chosen_on_the_quick_log_opens_the_booking_form_filled(client, login_as, make_user):
    login_as("reception")
    sam = make_user("specialist")
    slot = f"date={DAY}&time=10:00&minutes=30&specialist={sam.id}"
    assert "slot-chosen" in client.get("/enquiries/new", query_string={"book_slot": slot}).get_data(as_text=True)
    response = client.post("/enquiries/new", data=CALLER | {"phone": "07700 900555", "book_slot": slot,
                                                            "spoken_to": "y"})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "/consultations/new?" in location and "time=10:00" in location and f"specialist={sam.id}" in location
    form = client.get(location).get_data(as_text=True)
    assert f'value="{DAY}"' in form and 'value="10:00"' in form


def test_a_mangled_slot_is_ignored_or_left_to_the_booking_form(client, login_as, make_user):
    login_as("reception")
    response = client.post("/enquiries/new", data=CALLER | {"phone": "07700 900556", "book_slot": "&&=%zz" * 50})
    assert response.status_code == 302 and "/enquiries/" in response.headers["Location"]
