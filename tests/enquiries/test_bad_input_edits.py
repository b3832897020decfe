"""Editing an enquiry never 500s or changes it unless saved; NUL is refused on every enquiry form."""

from datetime import timedelta

from hypothesis import event, example, given
from hypothesis import strategies as st

from tests.builders import desk_enquiry, enquiry_row
from tests.enquiries.bad_input import (
    BAD_ENQUIRY,
    MAX_ID,
    _quick_log_example,
    assert_not_server_error,
    assert_page_escapes,
    assert_stored_enquiry,
    desk_choices,
    enquiry_fields,
    enquiry_refusals,
    examples,
    forms,
    now_local,
    post_data,
)
from tests.pages import explains, field_error, injected_markup, input_value, same_site_path, shows_escaped, take_flashes
from tests.properties import DIGIT_LIKE, VERSION_TEXT, as_int, desk_counts, has_control

# --- editing an enquiry -----------------------------------------------------------------------

def test_edit_enquiry_with_any_input_never_500_and_changes_nothing_unless_saved(app, client, login_as):
    user = login_as("reception")
    _, enquiry_id = desk_enquiry(app, user.id)
    choices = desk_choices(app)

    @examples(50)
    @given(data=forms(enquiry_fields(choices), BAD_ENQUIRY),
           version=st.one_of(st.none(), st.none(), VERSION_TEXT, DIGIT_LIKE))
    @example(data={**_edit_example(), "received_at": "2026-02-30T10:00"}, version=None)
    @example(data={**_edit_example(), "received_at": "0000-01-01T00:00"}, version=None)
    @example(data={**_edit_example(), "received_at": "9999-12-31T23:59"}, version=None)
    @example(data={**_edit_example(), "caller_words": "<script>alert(1)</script>"}, version=None)
    @example(data=_edit_example(), version="1")
    @example(data=_edit_example(), version=str(2**31))
    def check(data, version):
        before, counts = enquiry_row(app, enquiry_id), desk_counts(app)
        sent = str(before["version"]) if version is None else version
        refusals = enquiry_refusals(data, choices)
        number = as_int(sent)
        version_bad = has_control(sent) or number is None or not 1 <= number <= MAX_ID
        response = client.post(f"/enquiries/{enquiry_id}/edit", data={**post_data(data), "version": sent})
        assert_not_server_error(response, f"POST /enquiries/{enquiry_id}/edit version={sent!r} {data!r}")
        assert not injected_markup(response), injected_markup(response)
        if refusals or version_bad:
            event("refused")
            assert response.status_code == 200
            assert explains(response)
            for name in refusals:
                assert field_error(response, name), f"no error beside {name} for {data[name]!r}"
            if version_bad:
                assert "out of date" in response.get_data(as_text=True)
        elif number != before["version"]:
            event("conflict")
            assert response.status_code == 409
            assert explains(response)
        else:
            event("saved")
            assert response.status_code == 302
            assert same_site_path(response.headers["Location"]) == f"/enquiries/{enquiry_id}"
            # "— me —" on the edit form stores nobody (the quick log stores the logger): see the report
            assert_stored_enquiry(app, enquiry_id, data, unassigned=None)
            assert_page_escapes(client, f"/enquiries/{enquiry_id}", data["caller_words"].strip())
            counts = {**counts, "audit_events": desk_counts(app)["audit_events"]}
            assert desk_counts(app) == counts
            return
        if data["caller_words"] and "caller_words" not in refusals:
            assert shows_escaped(response, data["caller_words"])  # the input kept, escaped in the textarea
        assert enquiry_row(app, enquiry_id) == before
        assert desk_counts(app) == counts

    check()


def _edit_example() -> dict:
    return {"channel": "email", "source_id": "", "concerns": ["boxcar"], "caller_words": "Scars on both cheeks",
            "treatment_ids": [], "received_at": "2025-01-15T10:30", "assigned_to_id": ""}


# --- the rules the issue names, one by one ----------------------------------------------------

IMPOSSIBLE_RECEIVED = ["2026-02-30T10:00", "0000-01-01T00:00", "9999-12-31T23:59", "2026-13-01T10:00"]


def test_impossible_received_dates_are_refused_beside_the_field_and_kept(app, client, desk):
    _, _, enquiry_id = desk
    choices = desk_choices(app)
    counts, before = desk_counts(app), enquiry_row(app, enquiry_id)
    for received in IMPOSSIBLE_RECEIVED:
        new = client.post("/enquiries/new", data=post_data({**_quick_log_example(choices), "received_at": received}))
        edit = client.post(f"/enquiries/{enquiry_id}/edit", data={
            **post_data(_edit_example()), "received_at": received, "version": str(before["version"])})
        for response in (new, edit):
            assert response.status_code == 200
            assert field_error(response, "received_at"), received
            assert input_value(response, "received_at") == received
    assert desk_counts(app) == counts
    assert enquiry_row(app, enquiry_id) == before


def test_an_enquiry_received_in_the_future_is_refused(app, client, desk):
    _, _, enquiry_id = desk
    tomorrow = (now_local() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    counts, before = desk_counts(app), enquiry_row(app, enquiry_id)
    new = client.post("/enquiries/new", data=post_data({**_quick_log_example(desk_choices(app)),
                                                        "received_at": tomorrow}))
    edit = client.post(f"/enquiries/{enquiry_id}/edit", data={**post_data(_edit_example()), "received_at": tomorrow,
                                                              "version": str(before["version"])})
    for response in (new, edit):
        assert response.status_code == 200
        assert field_error(response, "received_at") == "An enquiry cannot be received in the future."
    assert desk_counts(app) == counts
    assert enquiry_row(app, enquiry_id) == before


def test_nul_characters_are_refused_with_a_message_on_every_enquiry_form(app, client, desk):
    _, _, enquiry_id = desk
    choices = desk_choices(app)
    message = "This contains characters that cannot be stored; please retype it."
    counts, before = desk_counts(app), enquiry_row(app, enquiry_id)
    new = client.post("/enquiries/new", data=post_data({**_quick_log_example(choices), "first_name": "Ann\x00"}))
    assert field_error(new, "first_name") == message
    edit = client.post(f"/enquiries/{enquiry_id}/edit", data={**post_data(_edit_example()), "caller_words": "a\x00",
                                                              "version": str(before["version"])})
    assert field_error(edit, "caller_words") == message
    for step, data in [("notes", {"body": "a\x00b"}), ("contact", {"outcome": "reached", "note": "\x00"}),
                       ("stage", {"to_stage": "lost", "lost_reason_id": str(choices.lost_reasons[0]), "note": "\x00",
                                  "version": str(before["version"])})]:
        client.post(f"/enquiries/{enquiry_id}/{step}", data=data)
        assert take_flashes(client) == [("danger", message)], step
    assert desk_counts(app) == counts
    assert enquiry_row(app, enquiry_id) == before
