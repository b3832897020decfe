"""The specialist's consultation: assessments, treatment plans, hint acknowledgements, treatment sessions.

Revision ID: 3eaf2912ffdd
Revises: d93a6b1f5c28
Create Date: 2026-11-24 06:32:23

New tables only, plus new columns:
- treatments gain the defaults a plan starts from (category, sessions, interval, price per session
  in pence, review months, aftercare check, minimum reflection period, ablative and surgical flags).
  Existing rows are kept; the ten seeded treatments get the values from the domain notes, any
  treatment an administrator added gets neutral defaults (1 session, 4 weeks, no price, 2 days).
- appointments gain the plan item and session number of a treatment session, who performed it and
  its notes; every existing appointment keeps its row with these empty. A partial unique index keeps
  each session of a plan item booked or done at most once.
Millimetres are stored as integer hundredths (tracker.db.Hundredths), prices as integer pence.
"""

import sqlalchemy as sa
from alembic import op

revision = "3eaf2912ffdd"
down_revision = "d93a6b1f5c28"
branch_labels = None
depends_on = None

# code: (category, sessions, interval weeks, price pence, review months, aftercare (label, from, to) or None,
#        reflection days, ablative, surgical). Courses, reviews and aftercare from the domain notes' table;
# prices are starting figures for the administrator to set.
SEEDED = {
    "laser_co2": ("resurfacing", 2, 8, 60000, [1, 6], None, 2, True, False),
    "non_ablative_laser": ("resurfacing", 4, 4, 35000, [3], None, 2, False, False),
    "microneedling": ("collagen_induction", 4, 4, 25000, [3, 6], None, 2, False, False),
    "rf_microneedling": ("collagen_induction", 3, 5, 45000, [3], None, 2, False, False),
    "dermal_filler": ("filler", 2, 4, 35000, [6], None, 2, False, False),
    "dermabrasion": ("resurfacing", 1, 12, 150000, [3], ("Healing check", 5, 8), 2, True, False),
    "subcision": ("release", 2, 4, 40000, [3], ("Bruising check", 7, 10), 14, False, True),
    "punch_excision": ("focal", 1, 6, 30000, [], ("Suture removal / wound check", 7, 10), 14, False, True),
    "tca_cross": ("focal", 4, 3, 20000, [3, 6], None, 2, False, False),
    "chemical_peel": ("resurfacing", 4, 3, 15000, [], None, 2, False, False),
}
CATEGORIES = ("resurfacing", "collagen_induction", "focal", "release", "filler", "other")


def upgrade():
    op.create_table(
        "treatment_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enquiry_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "proposed",
                "accepted",
                "declined",
                "expired",
                "superseded",
                name="planstatus",
                native_enum=False,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("practitioner_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("info_given_on", sa.Date(), nullable=True),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decline_reason_id", sa.Integer(), nullable=True),
        sa.Column("decline_note", sa.Text(), nullable=True),
        sa.Column("consent_by_id", sa.Integer(), nullable=True),
        sa.Column("consent_on", sa.Date(), nullable=True),
        sa.Column("consent_recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["consent_by_id"], ["users.id"], name=op.f("fk_treatment_plans_consent_by_id_users")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_treatment_plans_created_by_id_users")),
        sa.ForeignKeyConstraint(
            ["decline_reason_id"], ["options.id"], name=op.f("fk_treatment_plans_decline_reason_id_options")
        ),
        sa.ForeignKeyConstraint(["enquiry_id"], ["enquiries.id"], name=op.f("fk_treatment_plans_enquiry_id_enquiries")),
        sa.ForeignKeyConstraint(
            ["practitioner_id"], ["users.id"], name=op.f("fk_treatment_plans_practitioner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["treatment_plans.id"], name=op.f("fk_treatment_plans_supersedes_id_treatment_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_treatment_plans")),
        sa.UniqueConstraint("enquiry_id", "number", "revision", name="uq_treatment_plans_enquiry_id"),
    )
    with op.batch_alter_table("treatment_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_treatment_plans_enquiry_id"), ["enquiry_id"], unique=False)

    op.create_table(
        "plan_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("treatment_id", sa.Integer(), nullable=False),
        sa.Column("phase", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("areas", sa.JSON(), nullable=False),
        sa.Column("other_areas", sa.String(length=200), nullable=True),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("interval_weeks", sa.Integer(), nullable=False),
        sa.Column("price_pence", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("reflection_days", sa.Integer(), nullable=False, server_default="2"),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["treatment_plans.id"], name=op.f("fk_plan_items_plan_id_treatment_plans")
        ),
        sa.ForeignKeyConstraint(
            ["treatment_id"], ["treatments.id"], name=op.f("fk_plan_items_treatment_id_treatments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_items")),
    )
    with op.batch_alter_table("plan_items", schema=None) as batch_op:
        batch_op.create_index("ix_plan_items_plan_id", ["plan_id"], unique=False)

    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("enquiry_id", sa.Integer(), nullable=False),
        sa.Column("assessed_by_id", sa.Integer(), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "skin_type",
            sa.Enum("I", "II", "III", "IV", "V", "VI", name="skintype", native_enum=False, length=4),
            nullable=False,
        ),
        sa.Column(
            "distensible",
            sa.Enum("yes", "no", "not_asked", name="answer", native_enum=False, length=12),
            nullable=False,
        ),
        sa.Column(
            "predominant",
            sa.Enum(
                "ice_pick",
                "boxcar",
                "rolling",
                "hypertrophic",
                "macular",
                name="scartype",
                native_enum=False,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("gb_grade", sa.Integer(), nullable=False),
        sa.Column("gb_macular", sa.Integer(), nullable=True),
        sa.Column("gb_mild_atrophic", sa.Integer(), nullable=True),
        sa.Column("gb_moderate_atrophic", sa.Integer(), nullable=True),
        sa.Column("gb_shallow_punched", sa.Integer(), nullable=True),
        sa.Column("gb_shallow_broad", sa.Integer(), nullable=True),
        sa.Column("gb_deep_punched", sa.Integer(), nullable=True),
        sa.Column("gb_deep_abnormal", sa.Integer(), nullable=True),
        sa.Column("gb_linear", sa.Integer(), nullable=True),
        sa.Column("gb_deep_broad", sa.Integer(), nullable=True),
        sa.Column("gb_papular", sa.Integer(), nullable=True),
        sa.Column(
            "gb_keloid_area",
            sa.Enum("none", "under_5", "5-20", "over_20", name="keloidarea", native_enum=False, length=12),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "isotretinoin",
            sa.Enum("yes", "no", "not_asked", name="answer", native_enum=False, length=12),
            nullable=False,
        ),
        sa.Column("isotretinoin_last_taken", sa.Date(), nullable=True),
        sa.Column(
            "herpes",
            sa.Enum("active", "history", "none", "not_asked", name="herpesstatus", native_enum=False, length=12),
            nullable=False,
        ),
        sa.Column(
            "active_acne",
            sa.Enum("yes", "no", "not_asked", name="answer", native_enum=False, length=12),
            nullable=False,
        ),
        sa.Column(
            "keloid_history",
            sa.Enum("yes", "no", "not_asked", name="answer", native_enum=False, length=12),
            nullable=False,
        ),
        sa.Column(
            "anticoagulants",
            sa.Enum("yes", "no", "not_asked", name="answer", native_enum=False, length=12),
            nullable=False,
        ),
        sa.Column(
            "photosensitising",
            sa.Enum("yes", "no", "not_asked", name="answer", native_enum=False, length=12),
            nullable=False,
        ),
        sa.Column(
            "pregnancy", sa.Enum("yes", "no", "not_asked", name="answer", native_enum=False, length=12), nullable=False
        ),
        sa.Column(
            "immunosuppression",
            sa.Enum("yes", "no", "not_asked", name="answer", native_enum=False, length=12),
            nullable=False,
        ),
        sa.Column(
            "diabetes", sa.Enum("yes", "no", "not_asked", name="answer", native_enum=False, length=12), nullable=False
        ),
        sa.Column(
            "skin_infection",
            sa.Enum("yes", "no", "not_asked", name="answer", native_enum=False, length=12),
            nullable=False,
        ),
        sa.Column("wellbeing_note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"], ["appointments.id"], name=op.f("fk_assessments_appointment_id_appointments")
        ),
        sa.ForeignKeyConstraint(["assessed_by_id"], ["users.id"], name=op.f("fk_assessments_assessed_by_id_users")),
        sa.ForeignKeyConstraint(["enquiry_id"], ["enquiries.id"], name=op.f("fk_assessments_enquiry_id_enquiries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
        sa.UniqueConstraint("appointment_id", name=op.f("uq_assessments_appointment_id")),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessments_enquiry_id"), ["enquiry_id"], unique=False)

    op.create_table(
        "hint_acknowledgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enquiry_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("plan_item_id", sa.Integer(), nullable=True),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"], name=op.f("fk_hint_acknowledgements_assessment_id_assessments")
        ),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"], name=op.f("fk_hint_acknowledgements_by_id_users")),
        sa.ForeignKeyConstraint(
            ["enquiry_id"], ["enquiries.id"], name=op.f("fk_hint_acknowledgements_enquiry_id_enquiries")
        ),
        sa.ForeignKeyConstraint(
            ["plan_item_id"], ["plan_items.id"], name=op.f("fk_hint_acknowledgements_plan_item_id_plan_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hint_acknowledgements")),
    )
    with op.batch_alter_table("hint_acknowledgements", schema=None) as batch_op:
        batch_op.create_index("ix_hint_acknowledgements_enquiry_id", ["enquiry_id"], unique=False)

    op.create_table(
        "scar_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column(
            "scar_type",
            sa.Enum(
                "ice_pick",
                "boxcar",
                "rolling",
                "hypertrophic",
                "macular",
                name="scartype",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column(
            "count_band",
            sa.Enum("1-10", "11-20", "over_20", name="countband", native_enum=False, length=10),
            nullable=True,
        ),
        sa.Column("width_mm", sa.Integer(), nullable=True),
        sa.Column("depth_mm", sa.Integer(), nullable=True),
        sa.Column(
            "size_basis",
            sa.Enum("measured", "estimated", name="sizebasis", native_enum=False, length=10),
            nullable=True,
        ),
        sa.Column("areas", sa.JSON(), nullable=False),
        sa.Column("other_areas", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"], name=op.f("fk_scar_findings_assessment_id_assessments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scar_findings")),
        sa.UniqueConstraint("assessment_id", "scar_type", name="uq_scar_findings_assessment_id"),
    )
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan_item_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("session_number", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("performed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("session_notes", sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f("ix_appointments_plan_item_id"), ["plan_item_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_appointments_performed_by_id_users"), "users", ["performed_by_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_appointments_plan_item_id_plan_items"), "plan_items", ["plan_item_id"], ["id"]
        )
    # A session of a plan item is booked or done at most once (a moved or cancelled one may be booked again).
    one_session = sa.text("plan_item_id IS NOT NULL AND status IN ('booked', 'attended')")
    op.create_index("uq_appointments_plan_item_id_session_number", "appointments", ["plan_item_id", "session_number"],
                    unique=True, sqlite_where=one_session, postgresql_where=one_session)

    with op.batch_alter_table("treatments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "category",
                sa.Enum(*CATEGORIES, name="treatmentcategory", native_enum=False, length=24),
                nullable=False,
                server_default="other",
            )
        )
        batch_op.add_column(sa.Column("default_sessions", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("default_interval_weeks", sa.Integer(), nullable=False, server_default="4"))
        batch_op.add_column(sa.Column("price_pence", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("review_months", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("aftercare_label", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("aftercare_from_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("aftercare_to_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reflection_days", sa.Integer(), nullable=False, server_default="2"))
        batch_op.add_column(sa.Column("ablative", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("surgical", sa.Boolean(), nullable=False, server_default=sa.false()))
    _seed_treatment_defaults()


def _seed_treatment_defaults():
    treatments = sa.table(
        "treatments",
        sa.column("code"),
        sa.column("category"),
        sa.column("default_sessions"),
        sa.column("default_interval_weeks"),
        sa.column("price_pence"),
        sa.column("review_months", sa.JSON()),
        sa.column("aftercare_label"),
        sa.column("aftercare_from_days"),
        sa.column("aftercare_to_days"),
        sa.column("reflection_days"),
        sa.column("ablative"),
        sa.column("surgical"),
    )
    for code, (category, sessions, weeks, pence, reviews, aftercare, reflection, ablative, surgical) in SEEDED.items():
        label, from_days, to_days = aftercare or (None, None, None)
        op.execute(
            treatments.update()
            .where(treatments.c.code == code)
            .values(
                category=category,
                default_sessions=sessions,
                default_interval_weeks=weeks,
                price_pence=pence,
                review_months=reviews,
                aftercare_label=label,
                aftercare_from_days=from_days,
                aftercare_to_days=to_days,
                reflection_days=reflection,
                ablative=ablative,
                surgical=surgical,
            )
        )


def downgrade():
    with op.batch_alter_table("treatments", schema=None) as batch_op:
        batch_op.drop_column("surgical")
        batch_op.drop_column("ablative")
        batch_op.drop_column("reflection_days")
        batch_op.drop_column("aftercare_to_days")
        batch_op.drop_column("aftercare_from_days")
        batch_op.drop_column("aftercare_label")
        batch_op.drop_column("review_months")
        batch_op.drop_column("price_pence")
        batch_op.drop_column("default_interval_weeks")
        batch_op.drop_column("default_sessions")
        batch_op.drop_column("category")

    op.drop_index("uq_appointments_plan_item_id_session_number", table_name="appointments")
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_appointments_plan_item_id_plan_items"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_appointments_performed_by_id_users"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_appointments_plan_item_id"))
        batch_op.drop_column("session_notes")
        batch_op.drop_column("performed_by_id")
        batch_op.drop_column("session_number")
        batch_op.drop_column("plan_item_id")

    op.drop_table("scar_findings")
    with op.batch_alter_table("hint_acknowledgements", schema=None) as batch_op:
        batch_op.drop_index("ix_hint_acknowledgements_enquiry_id")

    op.drop_table("hint_acknowledgements")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessments_enquiry_id"))

    op.drop_table("assessments")
    with op.batch_alter_table("plan_items", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_items_plan_id")

    op.drop_table("plan_items")
    with op.batch_alter_table("treatment_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_treatment_plans_enquiry_id"))

    op.drop_table("treatment_plans")
