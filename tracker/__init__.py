"""The clinic tracker: follows each enquiry from the first call to the last treatment review."""

import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import CONFIGS

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    """Build the application for an environment (TRACKER_ENV, development by default)."""
    name = config_name or os.environ.get("TRACKER_ENV", "development")
    config_class = CONFIGS[name]
    app = Flask(__name__, template_folder=str(ROOT / "templates"), instance_path=str(ROOT / "instance"))
    app.config.from_object(config_class)
    app.config.update(overrides or {})
    config_class.init_app(app)
    from tracker.converters import IdConverter

    app.url_map.converters["id"] = IdConverter

    from tracker.web import configure_logging, register_request_hooks

    configure_logging(app)
    register_extensions(app)
    register_request_hooks(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_commands(app)
    from tracker.errors import register_errorhandlers

    register_errorhandlers(app)
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the extensions; SQLite gets its pragmas and BEGIN IMMEDIATE."""
    from tracker.audit import recorder
    from tracker.db import configure_postgresql, configure_sqlite, install_versioning
    from tracker.enquiries import milestones
    from tracker.extensions import bootstrap, db, limiter, login_manager, migrate
    from tracker.followups import triggers
    from tracker.patients import name_search

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True, include_name=name_search.modelled)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    limiter.init_app(app)
    bootstrap.init_app(app)
    recorder.install()
    install_versioning()
    triggers.install()
    milestones.install()
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
        elif db.engine.dialect.name == "postgresql":
            configure_postgresql(db.engine)


def register_blueprints(app: Flask) -> None:
    """One blueprint per feature."""
    from tracker.audit import bp as audit_bp
    from tracker.auth import bp as auth_bp
    from tracker.auth.loader import register_user_loader
    from tracker.board import bp as board_bp
    from tracker.bookings import bp as bookings_bp
    from tracker.calendar import bp as calendar_bp
    from tracker.catalogue import bp as catalogue_bp
    from tracker.consultations import bp as consultations_bp
    from tracker.diary import bp as diary_bp
    from tracker.enquiries import bp as enquiries_bp
    from tracker.extensions import csrf
    from tracker.followups import bp as followups_bp
    from tracker.imports import bp as imports_bp
    from tracker.intake import bp as intake_bp
    from tracker.intake.api import api_bp
    from tracker.main import bp as main_bp
    from tracker.patients import bp as patients_bp
    from tracker.plans import bp as plans_bp
    from tracker.reports import bp as reports_bp
    from tracker.settings import bp as settings_bp

    register_user_loader()
    for blueprint in (main_bp, auth_bp, audit_bp, patients_bp, enquiries_bp, bookings_bp, consultations_bp, plans_bp,
                      catalogue_bp, settings_bp, followups_bp, calendar_bp, reports_bp, board_bp, intake_bp,
                      imports_bp, diary_bp, api_bp):
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)  # authenticated by a bearer key, never by a cookie a browser could send for another site


def register_template_helpers(app: Flask) -> None:
    """Date filters in the clinic's zone and the navigation for the signed-in role."""
    from tracker.clock import clinic_today, format_date, format_datetime, format_since, format_time
    from tracker.money import format_pence
    from tracker.navigation import nav_groups, nav_items
    from tracker.patients.phones import display_phone
    from tracker.settings.services import clinic_name

    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_since, "since")
    app.add_template_filter(format_time, "time")
    app.add_template_filter(display_phone, "phone")
    app.add_template_filter(format_pence, "money")
    app.context_processor(lambda: {"nav_items": nav_items, "nav_groups": nav_groups, "clinic_name": clinic_name(),
                                   "today": clinic_today()})


def register_commands(app: Flask) -> None:
    """flask create-user, seed-demo, send-reminders, apply-follow-up-rules, import-enquiries."""
    from tracker.auth.commands import create_user_command
    from tracker.demo.commands import seed_demo_command
    from tracker.followups.backfill import apply_rules_command
    from tracker.followups.commands import send_reminders_command
    from tracker.imports.commands import import_enquiries_command

    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(send_reminders_command)
    app.cli.add_command(apply_rules_command)
    app.cli.add_command(import_enquiries_command)
