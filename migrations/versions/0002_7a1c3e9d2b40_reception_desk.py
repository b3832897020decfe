"""Reception's desk: settings lists, treatment catalogue, patients, enquiries and their history, appointments.

Revision ID: 7a1c3e9d2b40
Revises: 5383430b2f9e
Create Date: 2026-11-24 01:10:00

Seeds the lists a new clinic starts with: enquiry sources, lost reasons, one consultation
room, the clinic settings row and the treatment catalogue. Administrators edit them later;
this seed is the one place their defaults are written.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "7a1c3e9d2b40"
down_revision = "5383430b2f9e"
branch_labels = None
depends_on = None

STAGES = ("new", "contacted", "consultation_booked", "consulted", "plan_proposed", "treatment_booked",
          "in_treatment", "completed", "lost")
CHANNELS = ("phone", "web_form", "email", "walk_in", "social", "referral", "other")
CONCERNS = ("ice_pick", "boxcar", "rolling", "mixed", "active_acne", "pigmentation", "other")
OUTCOMES = ("reached", "no_answer", "voicemail", "wrong_number", "message_sent")
OPTION_KINDS = ("source", "lost_reason", "room")
CONTACT_METHODS = ("phone", "sms", "email", "any")
CONSENT_METHODS = ("verbal", "written", "web_form", "email")
APPOINTMENT_KINDS = ("consultation", "treatment_session")
APPOINTMENT_STATUSES = ("booked", "attended", "did_not_attend", "cancelled", "rebooked")

SOURCES = ("Search engine", "Instagram", "Facebook", "TikTok", "Friend or patient referral",
           "GP or dermatologist referral", "Returning patient", "Event", "Other")
LOST_REASONS = ("Price", "No reply", "Chose another clinic", "Not a suitable candidate", "Not ready / timing",
                "Downtime", "Missed consultation", "Other")
ROOMS = ("Consultation room 1",)
TREATMENTS = (
    ("laser_co2", "Laser resurfacing (fractional CO2)"),
    ("non_ablative_laser", "Non-ablative fractional laser"),
    ("microneedling", "Microneedling"),
    ("rf_microneedling", "RF microneedling"),
    ("dermal_filler", "Dermal fillers"),
    ("dermabrasion", "Dermabrasion"),
    ("subcision", "Subcision"),
    ("punch_excision", "Punch excision"),
    ("tca_cross", "TCA CROSS"),
    ("chemical_peel", "Chemical peel"),
)


def _enum(values, name, length):
    return sa.Enum(*values, name=name, native_enum=False, length=length)


def _stamps():
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False)]


def _key_string():
    return sa.String(length=161).with_variant(sa.String(length=161, collation="C"), "postgresql")


def _archived_index(table):
    # Partial: lists read the live rows (nearly all); only the archive page reads archived ones.
    where = sa.text("archived_at IS NOT NULL")
    op.create_index(f"ix_{table}_archived_at", table, ["archived_at"], sqlite_where=where, postgresql_where=where)


def upgrade():
    op.create_table(
        "options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", _enum(OPTION_KINDS, "optionkind", 20), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        *_stamps(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_options"),
        sa.UniqueConstraint("kind", "label", name="uq_options_kind_label"),
    )
    op.create_table(
        "clinic_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_minutes", sa.Integer(), nullable=False),
        *_stamps(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_clinic_settings"),
    )
    op.create_table(
        "treatments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        *_stamps(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_treatments"),
        sa.UniqueConstraint("code", name="uq_treatments_code"),
        sa.UniqueConstraint("name", name="uq_treatments_name"),
    )
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=80), nullable=False),
        sa.Column("last_name", sa.String(length=80), nullable=False),
        sa.Column("name_key", _key_string(), nullable=False),
        sa.Column("last_name_key", _key_string(), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("phone_alt", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("preferred_contact", _enum(CONTACT_METHODS, "contactmethod", 10), nullable=False),
        sa.Column("preferred_times", sa.String(length=120), nullable=True),
        sa.Column("marketing_consent", sa.Boolean(), nullable=False),
        sa.Column("marketing_consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("marketing_consent_method", _enum(CONSENT_METHODS, "consentmethod", 10), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        *_stamps(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_patients"),
    )
    for column in ("name_key", "last_name_key", "phone", "phone_alt", "email"):
        op.create_index(f"ix_patients_{column}", "patients", [column])
    _archived_index("patients")

    op.create_table(
        "enquiries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("channel", _enum(CHANNELS, "channel", 20), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("caller_words", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("logged_by_id", sa.Integer(), nullable=True),
        sa.Column("assigned_to_id", sa.Integer(), nullable=True),
        sa.Column("stage", _enum(STAGES, "stage", 24), nullable=False),
        sa.Column("first_contacted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lost_from_stage", _enum(STAGES, "stage", 24), nullable=True),
        sa.Column("lost_reason_id", sa.Integer(), nullable=True),
        sa.Column("lost_note", sa.Text(), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        *_stamps(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], name="fk_enquiries_patient_id_patients"),
        sa.ForeignKeyConstraint(["source_id"], ["options.id"], name="fk_enquiries_source_id_options"),
        sa.ForeignKeyConstraint(["logged_by_id"], ["users.id"], name="fk_enquiries_logged_by_id_users"),
        sa.ForeignKeyConstraint(["assigned_to_id"], ["users.id"], name="fk_enquiries_assigned_to_id_users"),
        sa.ForeignKeyConstraint(["lost_reason_id"], ["options.id"], name="fk_enquiries_lost_reason_id_options"),
        sa.PrimaryKeyConstraint("id", name="pk_enquiries"),
    )
    for column in ("patient_id", "channel", "source_id", "received_at", "assigned_to_id", "first_contacted_at"):
        op.create_index(f"ix_enquiries_{column}", "enquiries", [column])
    _archived_index("enquiries")
    # Live rows only: the stage tabs count them (unfiltered, or by channel, source or assignee)
    # by scanning one of these indexes alone, never the table.
    live = sa.text("archived_at IS NULL")
    for name, columns in (("ix_enquiries_stage_received_at", ["stage", "received_at"]),
                          ("ix_enquiries_channel_stage", ["channel", "stage"]),
                          ("ix_enquiries_source_id_stage", ["source_id", "stage"]),
                          ("ix_enquiries_assigned_to_id_stage", ["assigned_to_id", "stage"])):
        op.create_index(name, "enquiries", columns, sqlite_where=live, postgresql_where=live)

    op.create_table(
        "enquiry_concerns",
        sa.Column("enquiry_id", sa.Integer(), nullable=False),
        sa.Column("concern", _enum(CONCERNS, "concern", 20), nullable=False),
        sa.ForeignKeyConstraint(["enquiry_id"], ["enquiries.id"], name="fk_enquiry_concerns_enquiry_id_enquiries"),
        sa.PrimaryKeyConstraint("enquiry_id", "concern", name="pk_enquiry_concerns"),
    )
    op.create_index("ix_enquiry_concerns_concern", "enquiry_concerns", ["concern"])
    op.create_table(
        "enquiry_treatments",
        sa.Column("enquiry_id", sa.Integer(), nullable=False),
        sa.Column("treatment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["enquiry_id"], ["enquiries.id"], name="fk_enquiry_treatments_enquiry_id_enquiries"),
        sa.ForeignKeyConstraint(["treatment_id"], ["treatments.id"],
                                name="fk_enquiry_treatments_treatment_id_treatments"),
        sa.PrimaryKeyConstraint("enquiry_id", "treatment_id", name="pk_enquiry_treatments"),
    )
    op.create_index("ix_enquiry_treatments_treatment_id", "enquiry_treatments", ["treatment_id"])

    op.create_table(
        "stage_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enquiry_id", sa.Integer(), nullable=False),
        sa.Column("from_stage", _enum(STAGES, "stage", 24), nullable=True),
        sa.Column("to_stage", _enum(STAGES, "stage", 24), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("lost_reason_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["enquiry_id"], ["enquiries.id"], name="fk_stage_changes_enquiry_id_enquiries"),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"], name="fk_stage_changes_by_id_users"),
        sa.ForeignKeyConstraint(["lost_reason_id"], ["options.id"], name="fk_stage_changes_lost_reason_id_options"),
        sa.PrimaryKeyConstraint("id", name="pk_stage_changes"),
    )
    op.create_index("ix_stage_changes_enquiry_id_at", "stage_changes", ["enquiry_id", "at"])
    op.create_index("ix_stage_changes_to_stage_at", "stage_changes", ["to_stage", "at"])

    op.create_table(
        "contact_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enquiry_id", sa.Integer(), nullable=False),
        sa.Column("outcome", _enum(OUTCOMES, "contactoutcome", 20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["enquiry_id"], ["enquiries.id"], name="fk_contact_attempts_enquiry_id_enquiries"),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"], name="fk_contact_attempts_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_contact_attempts"),
    )
    op.create_index("ix_contact_attempts_enquiry_id", "contact_attempts", ["enquiry_id"])

    op.create_table(
        "enquiry_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enquiry_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["enquiry_id"], ["enquiries.id"], name="fk_enquiry_notes_enquiry_id_enquiries"),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"], name="fk_enquiry_notes_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_enquiry_notes"),
    )
    op.create_index("ix_enquiry_notes_enquiry_id", "enquiry_notes", ["enquiry_id"])

    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enquiry_id", sa.Integer(), nullable=False),
        sa.Column("kind", _enum(APPOINTMENT_KINDS, "appointmentkind", 24), nullable=False),
        sa.Column("practitioner_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", _enum(APPOINTMENT_STATUSES, "appointmentstatus", 20), nullable=False),
        sa.Column("booked_by_id", sa.Integer(), nullable=True),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_changed_by_id", sa.Integer(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("rebooked_to_id", sa.Integer(), nullable=True),
        *_stamps(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["enquiry_id"], ["enquiries.id"], name="fk_appointments_enquiry_id_enquiries"),
        sa.ForeignKeyConstraint(["practitioner_id"], ["users.id"], name="fk_appointments_practitioner_id_users"),
        sa.ForeignKeyConstraint(["room_id"], ["options.id"], name="fk_appointments_room_id_options"),
        sa.ForeignKeyConstraint(["booked_by_id"], ["users.id"], name="fk_appointments_booked_by_id_users"),
        sa.ForeignKeyConstraint(["status_changed_by_id"], ["users.id"],
                                name="fk_appointments_status_changed_by_id_users"),
        sa.ForeignKeyConstraint(["rebooked_to_id"], ["appointments.id"],
                                name="fk_appointments_rebooked_to_id_appointments"),
        sa.PrimaryKeyConstraint("id", name="pk_appointments"),
    )
    op.create_index("ix_appointments_enquiry_id", "appointments", ["enquiry_id"])
    op.create_index("ix_appointments_starts_at", "appointments", ["starts_at"])
    op.create_index("ix_appointments_practitioner_id_starts_at", "appointments", ["practitioner_id", "starts_at"])

    _seed()


def _seed():
    now = datetime.now(UTC)
    stamps = {"created_at": now, "updated_at": now, "version": 1}
    options = sa.table("options", sa.column("kind"), sa.column("label"), sa.column("active"),
                       sa.column("position"), sa.column("created_at", sa.DateTime(timezone=True)),
                       sa.column("updated_at", sa.DateTime(timezone=True)), sa.column("version"))
    rows = [{"kind": kind, "label": label, "active": True, "position": i, **stamps}
            for kind, labels in (("source", SOURCES), ("lost_reason", LOST_REASONS), ("room", ROOMS))
            for i, label in enumerate(labels)]
    op.bulk_insert(options, rows)
    settings = sa.table("clinic_settings", sa.column("id"), sa.column("consultation_minutes"),
                        sa.column("created_at", sa.DateTime(timezone=True)),
                        sa.column("updated_at", sa.DateTime(timezone=True)), sa.column("version"))
    op.bulk_insert(settings, [{"id": 1, "consultation_minutes": 30, **stamps}])
    treatments = sa.table("treatments", sa.column("code"), sa.column("name"), sa.column("active"),
                          sa.column("position"), sa.column("created_at", sa.DateTime(timezone=True)),
                          sa.column("updated_at", sa.DateTime(timezone=True)), sa.column("version"))
    op.bulk_insert(treatments, [{"code": code, "name": name, "active": True, "position": i, **stamps}
                                for i, (code, name) in enumerate(TREATMENTS)])


def downgrade():
    for table in ("appointments", "enquiry_notes", "contact_attempts", "stage_changes", "enquiry_treatments",
                  "enquiry_concerns", "enquiries", "patients", "treatments", "clinic_settings", "options"):
        op.drop_table(table)
