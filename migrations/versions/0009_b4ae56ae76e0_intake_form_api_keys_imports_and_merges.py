"""Enquiries that arrive by themselves: public form settings, API keys, CSV imports, patient matches and merges.

Revision ID: b4ae56ae76e0
Revises: cdf7100b7dd3
Create Date: 2026-11-24 16:01:34

New tables only, plus nullable columns added in place:
- public_form_settings (one row, id 1, made here, the form off), api_keys, api_submissions, import_runs, import_uploads,
  imported_rows, patient_contacts (secondary phone numbers and e-mails),
  patient_distinct_pairs (records someone said are different people).
- enquiries.match_patient_id, match_strength, match_reason: an arrived enquiry's possible match for reception.
- patients.merged_into_id: the record a merged patient now lives on.
On SQLite the two foreign-key columns are added with ALTER TABLE, never a batch rebuild: rebuilding `patients`
would drop the name-search triggers. Every existing row is kept; none changes.
"""

import sqlalchemy as sa
from alembic import op

revision = "b4ae56ae76e0"
down_revision = "cdf7100b7dd3"
branch_labels = None
depends_on = None


def _add_reference(table: str, column: str, target: str) -> None:
    """A nullable foreign-key column, added in place.

    On SQLite a batch operation would rebuild the table, and rebuilding `patients` drops the name-search
    triggers (see b4f2c8a91d07); ALTER TABLE ADD COLUMN ... REFERENCES needs no rebuild.
    """
    fk_name = f"fk_{table}_{column}_{target}"
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER CONSTRAINT {fk_name} REFERENCES {target} (id)")
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(fk_name, table, target, [column], ["id"])
    op.create_index(f"ix_{table}_{column}", table, [column])


def _drop_reference(table: str, column: str, target: str) -> None:
    op.drop_index(f"ix_{table}_{column}", table_name=table)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")  # SQLite 3.35+: no rebuild
    else:
        op.drop_constraint(f"fk_{table}_{column}_{target}", table, type_="foreignkey")
        op.drop_column(table, column)


def _seed_public_form_settings():
    """The public form's one settings row, off (also re-run by the test fixtures)."""
    op.execute("INSERT INTO public_form_settings (id, enabled, accent_colour, created_at, updated_at, version) "
               "VALUES (1, false, '#1d5fa8', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)")


def upgrade():
    op.create_table(
        "public_form_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("accent_colour", sa.String(length=7), nullable=False),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("logo_type", sa.String(length=20), nullable=True),
        sa.Column("privacy_notice_url", sa.String(length=500), nullable=True),
        sa.Column("clinic_phone", sa.String(length=20), nullable=True),
        sa.Column("embed_origins", sa.Text(), nullable=True),
        sa.Column("notify_email", sa.String(length=320), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_form_settings")),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_api_keys_created_by_id_users")),
        sa.ForeignKeyConstraint(["revoked_by_id"], ["users.id"], name=op.f("fk_api_keys_revoked_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_api_keys_secret_hash")),
    )
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("skip_invalid", sa.Boolean(), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_imported", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column("rows_already_imported", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"], name=op.f("fk_import_runs_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_runs_file_sha256"), ["file_sha256"], unique=False)

    op.create_table(
        "patient_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("phone", "email", name="contactkind", native_enum=False, length=10), nullable=False),
        sa.Column("value", sa.String(length=320), nullable=False),
        sa.Column("note", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], name=op.f("fk_patient_contacts_patient_id_patients")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_contacts")),
        sa.UniqueConstraint("patient_id", "kind", "value", name="uq_patient_contacts_patient_id_kind_value"),
    )
    with op.batch_alter_table("patient_contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patient_contacts_value"), ["value"], unique=False)

    op.create_table(
        "api_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("enquiry_id", sa.Integer(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["api_key_id"], ["api_keys.id"], name=op.f("fk_api_submissions_api_key_id_api_keys")),
        sa.ForeignKeyConstraint(["enquiry_id"], ["enquiries.id"], name=op.f("fk_api_submissions_enquiry_id_enquiries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_submissions")),
        sa.UniqueConstraint("api_key_id", "idempotency_key", name="uq_api_submissions_api_key_id_idempotency_key"),
    )
    with op.batch_alter_table("api_submissions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_api_submissions_api_key_id_payload_hash_at", ["api_key_id", "payload_hash", "at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_api_submissions_enquiry_id"), ["enquiry_id"], unique=False)

    op.create_table(
        "imported_rows",
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("import_run_id", sa.Integer(), nullable=False),
        sa.Column("enquiry_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["enquiry_id"], ["enquiries.id"], name=op.f("fk_imported_rows_enquiry_id_enquiries")),
        sa.ForeignKeyConstraint(
            ["import_run_id"], ["import_runs.id"], name=op.f("fk_imported_rows_import_run_id_import_runs")
        ),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_imported_rows")),
    )
    with op.batch_alter_table("imported_rows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_imported_rows_enquiry_id"), ["enquiry_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_imported_rows_import_run_id"), ["import_run_id"], unique=False)

    op.create_table(
        "import_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=43), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"], name=op.f("fk_import_uploads_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_uploads")),
        sa.UniqueConstraint("token", name=op.f("uq_import_uploads_token")),
    )
    op.create_table(
        "patient_distinct_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("low_id", sa.Integer(), nullable=False),
        sa.Column("high_id", sa.Integer(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["low_id"], ["patients.id"], name=op.f("fk_patient_distinct_pairs_low_id_patients")),
        sa.ForeignKeyConstraint(["high_id"], ["patients.id"],
                                name=op.f("fk_patient_distinct_pairs_high_id_patients")),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"], name=op.f("fk_patient_distinct_pairs_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_distinct_pairs")),
        sa.UniqueConstraint("low_id", "high_id", name="uq_patient_distinct_pairs_low_id_high_id"),
    )
    op.create_index("ix_patient_distinct_pairs_high_id", "patient_distinct_pairs", ["high_id"])
    _add_reference("enquiries", "match_patient_id", "patients")
    op.add_column(
        "enquiries",
        sa.Column(
            "match_strength",
            sa.Enum("strong", "weak", name="matchstrength", native_enum=False, length=10),
            nullable=True,
        ),
    )
    op.add_column("enquiries", sa.Column("match_reason", sa.String(length=120), nullable=True))
    _add_reference("patients", "merged_into_id", "patients")
    _seed_public_form_settings()


def downgrade():
    _drop_reference("patients", "merged_into_id", "patients")
    _drop_reference("enquiries", "match_patient_id", "patients")
    with op.batch_alter_table("enquiries") as batch_op:
        batch_op.drop_column("match_reason")
        batch_op.drop_column("match_strength")

    with op.batch_alter_table("imported_rows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_imported_rows_import_run_id"))
        batch_op.drop_index(batch_op.f("ix_imported_rows_enquiry_id"))

    op.drop_table("imported_rows")
    with op.batch_alter_table("api_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_submissions_enquiry_id"))
        batch_op.drop_index("ix_api_submissions_api_key_id_payload_hash_at")

    op.drop_table("api_submissions")
    with op.batch_alter_table("patient_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patient_contacts_value"))

    op.drop_table("patient_contacts")
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_runs_file_sha256"))

    op.drop_table("import_runs")
    op.drop_table("api_keys")
    op.drop_table("public_form_settings")
    op.drop_table("import_uploads")
    op.drop_index("ix_patient_distinct_pairs_high_id", table_name="patient_distinct_pairs")
    op.drop_table("patient_distinct_pairs")
