"""The application factory: configuration, extensions, session listeners, every feature's blueprint, helpers."""

import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

# Every table first: relationships name each other by string, and a module that makes an alias when imported
# (the export's) configures the mappers, which needs every class.
import tracker.models  # isort: skip

# Each feature's providers answer the extension points of the features below it once imported (docs/architecture.md);
# its tasks module declares the work it hands to the queue and its scheduled jobs (the worker builds this same app);
# each feature package holds its blueprint, and importing its views modules registers their routes on it.
import tracker.audit.views
import tracker.auth.admin_views
import tracker.auth.provides
import tracker.auth.views
import tracker.board.views
import tracker.bookings.provides
import tracker.bookings.views
import tracker.calendar.views
import tracker.catalogue.views
import tracker.consultations.provides
import tracker.consultations.views
import tracker.diary.views
import tracker.enquiries.provides
import tracker.enquiries.tasks
import tracker.enquiries.views
import tracker.enquiries.views_actions
import tracker.enquiries.views_export
import tracker.enquiries.views_list
import tracker.enquiries.views_match
import tracker.followups.provides
import tracker.followups.tasks
import tracker.followups.views
import tracker.followups.views_myday
import tracker.imports.tasks
import tracker.imports.views
import tracker.intake.views_keys
import tracker.intake.views_public
import tracker.intake.views_settings
import tracker.jobs.tasks
import tracker.jobs.views
import tracker.main.favicon
import tracker.main.views
import tracker.patients.views
import tracker.patients.views_merge
import tracker.plans.provides
import tracker.plans.views
import tracker.plans.views_sessions
import tracker.reports.views
import tracker.settings.views  # noqa: F401  (the block above: routes register on import)
from config import CONFIGS
from tracker import (
    audit,
    auth,
    board,
    bookings,
    calendar,
    catalogue,
    consultations,
    diary,
    enquiries,
    followups,
    imports,
    intake,
    jobs,
    main,
    patients,
    plans,
    reports,
    settings,
)
from tracker.audit import recorder
from tracker.auth.commands import create_user_command
from tracker.auth.loader import register_user_loader
from tracker.clock import clinic_today, format_date, format_datetime, format_since, format_time
from tracker.converters import IdConverter
from tracker.db import configure_postgresql, configure_sqlite, install_versioning
from tracker.demo.commands import seed_demo_command
from tracker.enquiries import milestones
from tracker.errors import register_errorhandlers
from tracker.extensions import bootstrap, csrf, db, limiter, login_manager, migrate
from tracker.followups import triggers
from tracker.followups.backfill import apply_rules_command
from tracker.followups.commands import send_reminders_command
from tracker.imports.commands import import_enquiries_command
from tracker.intake.api import api_bp
from tracker.jobs import queue, schedule
from tracker.jobs.commands import worker_command
from tracker.money import format_pence
from tracker.navigation import nav_groups, nav_items
from tracker.patients import name_search
from tracker.patients.phones import display_phone
from tracker.settings.services import clinic_name
from tracker.web import configure_logging, register_request_hooks

ROOT = Path(__file__).resolve().parent.parent  # templates/ and instance/ sit beside tracker/
BLUEPRINTS = (main.bp, auth.bp, audit.bp, patients.bp, enquiries.bp, bookings.bp, consultations.bp, plans.bp,
              catalogue.bp, settings.bp, followups.bp, calendar.bp, reports.bp, board.bp, intake.bp, imports.bp,
              diary.bp, jobs.bp, api_bp)


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    """Build the application for an environment (TRACKER_ENV, development by default)."""
    name = config_name or os.environ.get("TRACKER_ENV", "development")
    config_class = CONFIGS[name]
    app = Flask("tracker", template_folder=str(ROOT / "templates"), instance_path=str(ROOT / "instance"))
    app.config.from_object(config_class)
    app.config.update(overrides or {})
    config_class.init_app(app)
    app.url_map.converters["id"] = IdConverter
    configure_logging(app)
    register_extensions(app)
    register_request_hooks(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_commands(app)
    register_errorhandlers(app)
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the extensions and install the session listeners (their order: docs/architecture.md)."""
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True, include_name=name_search.modelled)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    limiter.init_app(app)
    bootstrap.init_app(app)
    queue.init_app(app)
    schedule.check_settings(app.config)
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
    """One blueprint per feature (and the intake API's, authenticated by its bearer key, never by a cookie)."""
    register_user_loader()
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)  # a browser could send a cookie for another site; it cannot send the key


def register_template_helpers(app: Flask) -> None:
    """Date filters in the clinic's zone and the navigation for the signed-in role."""
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_since, "since")
    app.add_template_filter(format_time, "time")
    app.add_template_filter(display_phone, "phone")
    app.add_template_filter(format_pence, "money")
    app.context_processor(lambda: {"nav_items": nav_items, "nav_groups": nav_groups, "clinic_name": clinic_name(),
                                   "today": clinic_today()})


def register_commands(app: Flask) -> None:
    """flask create-user, seed-demo, send-reminders, apply-follow-up-rules, import-enquiries, worker."""
    for command in (create_user_command, seed_demo_command, send_reminders_command, apply_rules_command,
                    import_enquiries_command, worker_command):
        app.cli.add_command(command)
