"""SQLite migrations: batch rebuilds keep child rows, and a migration leaving orphans is rolled back."""

import shutil

import flask_migrate
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text

from tests.conftest import make_test_app
from tracker import ROOT
from tracker.audit import services as audit
from tracker.audit.models import AuditAction, AuditEvent
from tracker.auth.services import create_user
from tracker.extensions import db
from tracker.permissions import Role

REBUILD_USERS = '''
import sqlalchemy as sa
from alembic import op
revision = "test_rebuild"
down_revision = "{head}"
def upgrade():
    with op.batch_alter_table("users", recreate="always") as batch:
        batch.alter_column("full_name", type_=sa.String(200))
def downgrade():
    pass
'''

ORPHAN_ROW = '''
from alembic import op
revision = "test_orphan"
down_revision = "test_rebuild"
def upgrade():
    op.execute("INSERT INTO audit_events (at, action, actor_id) VALUES ('2026-01-01', 'login', 424242)")
def downgrade():
    pass
'''


@pytest.fixture
def migrations_copy(tmp_path):
    """The project's migrations in a scratch folder, to add test-only revisions to."""
    target = tmp_path / "migrations"
    shutil.copytree(ROOT / "migrations", target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def _app_at_head(tmp_path, directory):
    app = make_test_app(f"sqlite:///{tmp_path / 'safety.db'}")
    with app.app_context():
        flask_migrate.upgrade(directory=str(directory))
        user = create_user("kept@clinic.example", "Kept", Role.ADMIN, "plum-orchard-lantern-42")
        audit.record(AuditAction.LOGIN, entity=user, actor_id=user.id)  # a row pointing at the user
        db.session.commit()
    return app


def test_rebuilding_a_parent_table_keeps_the_rows_pointing_at_it(tmp_path, migrations_copy):
    app = _app_at_head(tmp_path, migrations_copy)
    head = ScriptDirectory(str(migrations_copy)).get_current_head()
    (migrations_copy / "versions" / "test_rebuild.py").write_text(REBUILD_USERS.format(head=head))
    with app.app_context():
        flask_migrate.upgrade(directory=str(migrations_copy))
        pointing_at_users = select(func.count()).select_from(AuditEvent).where(AuditEvent.actor_id.is_not(None))
        assert db.session.scalar(pointing_at_users) == 1
        db.session.rollback()  # end the read before a second connection asks for the lock
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()


def test_a_migration_that_leaves_broken_foreign_keys_is_rolled_back(tmp_path, migrations_copy, capfd):
    app = _app_at_head(tmp_path, migrations_copy)
    head = ScriptDirectory(str(migrations_copy)).get_current_head()
    (migrations_copy / "versions" / "test_rebuild.py").write_text(REBUILD_USERS.format(head=head))
    (migrations_copy / "versions" / "test_orphan.py").write_text(ORPHAN_ROW)
    with app.app_context():
        with pytest.raises(SystemExit):  # Flask-Migrate logs the error and exits non-zero
            flask_migrate.upgrade(directory=str(migrations_copy))
        assert "rows with broken foreign keys" in capfd.readouterr().err  # alembic logs to stderr
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
            assert conn.execute(text("SELECT count(*) FROM audit_events WHERE actor_id = 424242")).scalar() == 0
        db.engine.dispose()
