"""Any shape of stored details reads sensibly on the trail: pairs for row changes, named values for the rest."""

import pytest

from tracker.audit.display import MAX_TEXT, Detail, details, text
from tracker.audit.models import AuditAction, AuditEvent
from tracker.extensions import db


@pytest.mark.parametrize(("value", "shown"), [
    (None, "—"), (True, "yes"), (False, "no"), (0, "0"), ("", "—"), ([], "—"), ({}, "—"),
    ([None, "flask seed-demo"], "flask seed-demo"), ([3, 4], "3, 4"),
    ({"stage": "all", "sort": "oldest"}, "stage: all; sort: oldest"),
    ([{"kind": "phone", "value": "07700 900123"}], "kind: phone; value: 07700 900123"),
])
def test_values_are_spelt_out(value, shown):
    assert text(value) == shown


def test_a_long_value_is_cut_with_an_ellipsis():
    shown = text(list(range(1000)))
    assert len(shown) == MAX_TEXT and shown.endswith("…")


def _event(action: AuditAction, changes) -> AuditEvent:
    return AuditEvent(action=action, changes=changes)


def test_row_changes_show_before_and_after_and_creations_only_after():
    assert details(_event(AuditAction.UPDATE, {"status": ["draft", "proposed"]})) == [
        Detail("status", "draft", "proposed")]
    assert details(_event(AuditAction.CREATE, {"first_name": [None, "Ada"]})) == [Detail("first name", None, "Ada")]
    # Not a pair (written by hand, or by an older version): shown as it is, never unpacked.
    assert details(_event(AuditAction.UPDATE, {"items": ["a", "b", "c"], "note": "x"})) == [
        Detail("items", None, "a, b, c"), Detail("note", None, "x")]


def test_other_events_show_their_values_even_when_they_look_like_pairs():
    assert details(_event(AuditAction.MERGE, {"previously_merged": [3, 4]})) == [
        Detail("previously merged", None, "3, 4")]
    assert details(_event(AuditAction.VIEW, {"viewed": "treatment plan"})) == [Detail("viewed", None, "treatment plan")]
    assert details(_event(AuditAction.LOGIN, None)) == []
    assert details(_event(AuditAction.BULK_LOAD, ["not", "a", "mapping"])) == [
        Detail("details", None, "not, a, mapping")]


def test_the_page_renders_events_of_any_shape(app, client, login_as):
    login_as("admin")
    shapes = [{"a": [1, 2, 3]}, {"a": "plain"}, ["list"], "text", 7, {"nested": {"deep": [None, {"x": True}]}}, {}]
    with app.app_context():
        db.session.add_all(AuditEvent(action=action, changes=changes) for action in AuditAction for changes in shapes)
        db.session.commit()
    for action in ("", *(a.value for a in AuditAction)):
        assert client.get("/audit", query_string={"action": action}).status_code == 200, action
