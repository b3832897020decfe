"""One structured log line per request."""

import json

from tracker.web import JsonFormatter


def test_each_request_logs_method_path_status_duration_user_and_request_id(client, login_as, caplog):
    user = login_as()
    caplog.set_level("INFO", logger="tracker.access")
    client.get("/", headers={"X-Request-ID": "abc-123"})
    [record] = [r for r in caplog.records if r.name == "tracker.access"]
    line = json.loads(JsonFormatter().format(record))
    assert {k: line[k] for k in ("method", "path", "status", "user_id", "request_id")} == {
        "method": "GET", "path": "/", "status": 200, "user_id": user.id, "request_id": "abc-123"}
    assert line["duration_ms"] >= 0


def test_untrusted_request_ids_are_replaced(client, caplog):
    caplog.set_level("INFO", logger="tracker.access")
    response = client.get("/healthz", headers={"X-Request-ID": "bad id; <script>"})
    assert response.headers["X-Request-ID"] != "bad id; <script>"
    assert len(response.headers["X-Request-ID"]) == 32
