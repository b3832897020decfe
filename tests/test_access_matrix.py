"""Every route, for every role and for anonymous visitors, answers as the permission table says."""

import pytest
from flask import Flask

from tests.conftest import make_test_app, sign_in
from tracker.permissions import PUBLIC, SIGNED_IN, Role, declared_permission, require, role_can

UNGUARDED = {"static", "bootstrap.static"}
ROLES: list[Role | None] = [None, *Role]


def routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, rule, method) for every route the app serves, static files aside."""
    return sorted(
        (rule.endpoint, rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in UNGUARDED
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    )


def undeclared_routes(app: Flask) -> list[str]:
    """Endpoints whose view declares no permission with @require or @public."""
    return sorted({e for e, _, _ in routes(app) if declared_permission(app.view_functions[e]) is None})


def _url(app: Flask, endpoint: str, targets: int | dict) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    with app.test_request_context():
        from flask import url_for

        if isinstance(targets, int):
            return url_for(endpoint, **{arg: targets for arg in rule.arguments})
        return url_for(endpoint, **{arg: targets[arg] for arg in rule.arguments})


def access_problem(app, client, endpoint: str, method: str, role: Role | None, target_id: int | dict) -> str | None:
    """Why the answer to this request contradicts the permission table, or None."""
    permission = declared_permission(app.view_functions[endpoint])
    url = _url(app, endpoint, target_id)
    # POSTs carry a valid CSRF token: the permission check, not CSRF, must be what answers.
    response = client.post(url, data={}) if method == "POST" else client.open(url, method=method)
    status, location = response.status_code, response.headers.get("Location", "")
    sent_to_sign_in = status == 302 and location.startswith("/login?next=")
    if status >= 500:
        return f"{method} {url} as {role}: server error {status}"
    if role_can(role, permission):
        if status == 403 or sent_to_sign_in:
            return f"{method} {url} as {role}: refused ({status}) although {permission!r} allows it"
    elif role is None and permission != PUBLIC:
        if not sent_to_sign_in:
            return f"{method} {url} anonymous: {status}, expected a redirect to sign in"
    elif status != 403:
        return f"{method} {url} as {role}: {status}, expected 403 (needs {permission!r})"
    return None


_APP = make_test_app("sqlite://")

# Reviewed by hand. A new route must be added here, so a permission that is too broad
# (say @require() on an administrator's page) shows up as a failing test and a visible diff.
EXPECTED_PERMISSIONS = {
    "api.enquiries_create": PUBLIC,
    "api.openapi": PUBLIC,
    "audit.index": "audit.view",
    "auth.change_password": SIGNED_IN,
    "auth.login": PUBLIC,
    "auth.logout": SIGNED_IN,
    "auth.setup": PUBLIC,
    "auth.user_deactivate": "users.manage",
    "auth.user_edit": "users.manage",
    "auth.user_new": "users.manage",
    "auth.user_password": "users.manage",
    "auth.user_reactivate": "users.manage",
    "auth.users": "users.manage",
    "board.index": "enquiry.view",
    "board.move": "enquiry.edit",
    "bookings.attended": "booking.edit",
    "bookings.book": "booking.edit",
    "bookings.cancel": "booking.edit",
    "bookings.did_not_attend": "booking.edit",
    "bookings.rebook": "booking.edit",
    "bookings.upcoming": "booking.view",
    "calendar.feed": SIGNED_IN,
    "calendar.feed_create": SIGNED_IN,
    "calendar.feed_ics": PUBLIC,
    "calendar.feed_revoke": SIGNED_IN,
    "calendar.week": "followup.view",
    "catalogue.edit": "catalogue.manage",
    "catalogue.index": "catalogue.manage",
    "catalogue.new": "catalogue.manage",
    "consultations.acknowledge_hint": "assessment.edit",
    "consultations.assess": "assessment.edit",
    "consultations.assessment": "assessment.view",
    "diary.events": "booking.view",
    "diary.free_slots": "booking.view",
    "diary.index": "booking.view",
    "diary.move": "booking.edit",
    "enquiries.add_note": "enquiry.edit",
    "enquiries.archive": "enquiry.edit",
    "enquiries.archived": "record.restore",
    "enquiries.change_stage": "enquiry.edit",
    "enquiries.detail": "enquiry.view",
    "enquiries.edit": "enquiry.edit",
    "enquiries.export_csv": "export",
    "enquiries.export_xlsx": "export",
    "enquiries.index": "enquiry.view",
    "enquiries.log_contact": "enquiry.edit",
    "enquiries.new": "enquiry.edit",
    "enquiries.restore": "record.restore",
    "enquiries.search": "patient.view",
    "followups.cancel": "followup.edit",
    "followups.complete": "followup.edit",
    "followups.my_day": "followup.view",
    "followups.new": "followup.edit",
    "followups.reschedule": "followup.edit",
    "imports.mapping_page": "import.run",
    "imports.rejected": "import.run",
    "imports.result": "import.run",
    "imports.run": "import.run",
    "imports.upload": "import.run",
    "imports.values_page": "import.run",
    "intake.api_key_create": "apikeys.manage",
    "intake.api_key_revoke": "apikeys.manage",
    "intake.api_keys": "apikeys.manage",
    "intake.public.enquire": PUBLIC,
    "intake.public.logo": PUBLIC,
    "intake.public.thanks": PUBLIC,
    "intake.public.theme": PUBLIC,
    "intake.settings": "settings.manage",
    "intake.settings_logo": "settings.manage",
    "main.favicon": PUBLIC,
    "jobs.admin": "jobs.manage",
    "jobs.download": SIGNED_IN,
    "jobs.index": SIGNED_IN,  # each person's own  # the person who asked only (404 for others): tests/jobs
    "jobs.progress": SIGNED_IN,
    "jobs.status": SIGNED_IN,
    "main.healthz": PUBLIC,
    "main.index": SIGNED_IN,
    "patients.archive": "patient.edit",
    "enquiries.confirm_match": "patient.merge",
    "patients.detail": "patient.view",
    "patients.duplicates": "patient.merge",
    "patients.edit": "patient.edit",
    "patients.matches": "patient.view",
    "patients.merge": "patient.merge",
    "patients.not_same_person": "patient.merge",
    "enquiries.reject_match": "patient.merge",
    "patients.restore": "record.restore",
    "plans.accept": "plan.edit",
    "plans.acknowledge_hint": "plan.edit",
    "plans.add_item": "plan.edit",
    "plans.book_sessions": "booking.edit",
    "plans.decline": "plan.edit",
    "plans.detail": "plan.summary.view",
    "plans.edit_item": "plan.edit",
    "plans.expire": "plan.edit",
    "plans.new": "plan.edit",
    "plans.propose": "plan.edit",
    "plans.remove_item": "plan.edit",
    "plans.revise": "plan.edit",
    "plans.session_done": "plan.edit",
    "reports.pipeline": "reports.view",
    "reports.pipeline_table": "export",
    "settings.defaults": "settings.manage",
    "settings.index": "settings.manage",
    "settings.opening_hours": "settings.manage",
    "settings.option_edit": "settings.manage",
    "settings.option_new": "settings.manage",
    "settings.option_reactivate": "settings.manage",
    "settings.option_retire": "settings.manage",
}


def test_every_route_declares_its_permission():
    assert undeclared_routes(_APP) == []


def test_each_route_requires_exactly_the_permission_reviewed_for_it():
    declared = {endpoint: declared_permission(_APP.view_functions[endpoint]) for endpoint, _, _ in routes(_APP)}
    assert declared == EXPECTED_PERMISSIONS


@pytest.mark.parametrize(("endpoint", "rule", "method"), routes(_APP), ids=lambda v: str(v))
def test_route_answers_each_role_as_the_permission_table_says(app, make_user, make_enquiry, endpoint, rule, method):
    # One set of records per route, asked by every role in turn, each in its own browser: refused and anonymous
    # requests change nothing, so they go first, then the roles the table lets in.
    targets = _targets(app, make_user, make_enquiry)
    permission = declared_permission(_APP.view_functions[endpoint])
    problems = []
    for role in sorted(ROLES, key=lambda r: role_can(r, permission)):
        client = app.test_client()
        if role is not None:
            sign_in(client, make_user(role.value))
        problems.append(access_problem(app, client, endpoint, method, role, targets))
    assert [problem for problem in problems if problem] == []


def _targets(app, make_user, make_enquiry) -> dict:
    """Real records for every kind of URL argument, so permitted roles reach a real page, not a 404."""
    from datetime import timedelta

    from sqlalchemy import select

    from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
    from tracker.consultations.hints import RULES
    from tracker.consultations.models import Assessment, ScarFinding, ScarType, SkinType
    from tracker.db import utcnow
    from tracker.enquiries.models import Enquiry
    from tracker.extensions import db
    from tracker.followups.models import FollowUp
    from tracker.intake import keys
    from tracker.plans.models import PlanItem, PlanStatus, TreatmentPlan

    user, specialist = make_user("reception"), make_user("specialist")
    enquiry_id = make_enquiry(by_id=user.id)
    other_enquiry_id = make_enquiry(by_id=user.id)  # its patient is a second record, for the merge page
    with app.app_context():
        starts = utcnow() + timedelta(days=2)
        appointment = Appointment(enquiry_id=enquiry_id, kind=AppointmentKind.CONSULTATION, starts_at=starts,
                                  practitioner_id=specialist.id, ends_at=starts + timedelta(minutes=30))
        seen_at = utcnow() - timedelta(days=1)
        seen = Appointment(enquiry_id=enquiry_id, kind=AppointmentKind.CONSULTATION, starts_at=seen_at,
                           practitioner_id=specialist.id, ends_at=seen_at + timedelta(minutes=30),
                           status=AppointmentStatus.ATTENDED)
        db.session.add_all([appointment, seen])
        db.session.flush()
        assessment = Assessment(appointment_id=seen.id, enquiry_id=enquiry_id, assessed_by_id=specialist.id,
                                skin_type=SkinType.III, gb_grade=2)
        db.session.add(assessment)
        db.session.flush()
        db.session.add_all(ScarFinding(assessment_id=assessment.id, scar_type=t, position=i)
                           for i, t in enumerate(ScarType))
        plan = TreatmentPlan(enquiry_id=enquiry_id, number=1, status=PlanStatus.DRAFT, practitioner_id=specialist.id)
        db.session.add(plan)
        db.session.flush()
        item = PlanItem(plan_id=plan.id, treatment_id=1, sessions=2, interval_weeks=4, price_pence=10000,
                        reflection_days=2)
        db.session.add(item)
        api_key, _ = keys.create_key("Clinic website", by_id=user.id)
        db.session.commit()
        patient_id = db.session.get(Enquiry, enquiry_id).patient_id
        other_id = db.session.get(Enquiry, other_enquiry_id).patient_id
        # The enquiry is new and not contacted: the first-contact rule has given it an open call-back.
        follow_up_id = db.session.scalar(select(FollowUp.id).where(FollowUp.enquiry_id == enquiry_id).limit(1))
        return {"user_id": user.id, "enquiry_id": enquiry_id, "patient_id": patient_id, "other_id": other_id,
                "appointment_id": appointment.id, "option_id": 1, "kind": "source", "assessment_id": assessment.id,
                "plan_id": plan.id, "item_id": item.id, "treatment_id": 1, "rule": RULES[0].code,
                "follow_up_id": follow_up_id, "token": "no-such-feed-token-0000000000000000",
                "key": "funnel", "fmt": "csv", "run_id": 1, "key_id": api_key.id,
                "job_id": 1}


def _app_with_rogue_routes(database_uri):
    app = make_test_app(database_uri)

    @app.route("/rogue/undeclared")
    def rogue_undeclared():
        return "open to anyone"

    @require("users.manage")
    def _declared_but_not_enforced():
        return "declares users.manage but the check was bypassed"

    def rogue_claims():
        return "declares users.manage but does not check it"

    rogue_claims.permission = _declared_but_not_enforced.permission
    app.add_url_rule("/rogue/claims", "rogue_claims", rogue_claims)
    return app


def test_matrix_catches_routes_without_a_real_permission_check(database_uri, make_user):
    app = _app_with_rogue_routes(database_uri)
    assert undeclared_routes(app) == ["rogue_undeclared"]
    client = app.test_client()
    sign_in(client, make_user("reception"))
    assert access_problem(app, client, "rogue_claims", "GET", Role.RECEPTION, 1) is not None
    # The safety net refuses the undeclared route outright rather than serving it.
    assert client.get("/rogue/undeclared").status_code == 403
