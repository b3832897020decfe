"""Follow-ups, their reschedules, the digest log, calendar feeds, opening hours and the first-contact target.

Revision ID: 8933c5a64a9a
Revises: 3eaf2912ffdd
Create Date: 2026-11-24 09:02:06

New tables only, plus one new column:
- follow_ups: each enquiry's next steps (kind, due date and optional time in clinic time, the UTC instant
  it falls overdue, owner or the reception team, priority, status, outcome or cancel reason, and the
  rule that made it). Indexed for the queues: (assignee, status, overdue_at), (status, overdue_at),
  (enquiry, status); a partial unique index keeps one follow-up per enquiry, rule and rule key.
- follow_up_reschedules: each move of a follow-up's due date or owner.
- digests_sent: one row per user per day the reminder e-mail went, so it goes once.
- calendar_feeds: the SHA-256 of each feed token; one live feed per user (partial unique index).
- opening_hours: seven rows, Monday to Friday 09:00-18:00 and the weekend closed, for the administrator
  to change.
- clinic_settings.first_contact_hours: 2 for the existing row (the call-back target in opening hours).
- enquiries.next_follow_up_at: when the enquiry's soonest open follow-up falls overdue, kept by the rules;
  empty for every existing enquiry (none has a follow-up yet: `flask apply-follow-up-rules` gives them theirs).
  An index of the live enquiries by it, stage and received time serves the "no open follow-up" filter
  (those without one at a stage are one range). Added in place (ALTER TABLE ADD COLUMN), so no table is rebuilt.
Every existing row is kept.
"""

from datetime import time

import sqlalchemy as sa
from alembic import op

revision = "8933c5a64a9a"
down_revision = "3eaf2912ffdd"
branch_labels = None
depends_on = None

OPENING_HOURS = [(day, time(9), time(18)) for day in range(5)] + [(5, None, None), (6, None, None)]


def _seed_opening_hours():
    """The week's opening hours, from which the administrator starts (also re-run by the test fixtures)."""
    table = sa.table("opening_hours", sa.column("weekday", sa.Integer), sa.column("opens", sa.Time),
                     sa.column("closes", sa.Time), sa.column("version", sa.Integer))
    op.bulk_insert(table, [{"weekday": day, "opens": opens, "closes": closes, "version": 1}
                           for day, opens, closes in OPENING_HOURS])

def upgrade():
    op.create_table('opening_hours',
    sa.Column('weekday', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('opens', sa.Time(), nullable=True),
    sa.Column('closes', sa.Time(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('weekday', name=op.f('pk_opening_hours'))
    )
    op.create_table('calendar_feeds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_fetched_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_feeds_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feeds')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feeds_token_hash'))
    )
    with op.batch_alter_table('calendar_feeds', schema=None) as batch_op:
        batch_op.create_index('uq_calendar_feeds_user_id_live', ['user_id'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))

    op.create_table('digests_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_digests_sent_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digests_sent')),
    sa.UniqueConstraint('user_id', 'day', name='uq_digests_sent_user_id_day')
    )
    op.create_table('follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enquiry_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('call_back', 'consultation_reminder', 'post_consultation', 'decision_chase', 'pre_treatment', 'aftercare', 'session_reminder', 'review', 'other', name='followupkind', native_enum=False, length=24), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('due_time', sa.Time(), nullable=True),
    sa.Column('overdue_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('assigned_to_id', sa.Integer(), nullable=True),
    sa.Column('priority', sa.Enum('high', 'normal', 'low', name='priority', native_enum=False, length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('open', 'done', 'cancelled', name='followupstatus', native_enum=False, length=10), nullable=False),
    sa.Column('rule', sa.String(length=40), nullable=True),
    sa.Column('rule_key', sa.String(length=80), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assigned_to_id'], ['users.id'], name=op.f('fk_follow_ups_assigned_to_id_users')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_follow_ups_closed_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_follow_ups_created_by_id_users')),
    sa.ForeignKeyConstraint(['enquiry_id'], ['enquiries.id'], name=op.f('fk_follow_ups_enquiry_id_enquiries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups'))
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index('ix_follow_ups_assigned_to_id_status_overdue_at', ['assigned_to_id', 'status', 'overdue_at'], unique=False)
        batch_op.create_index('ix_follow_ups_enquiry_id_status', ['enquiry_id', 'status'], unique=False)
        batch_op.create_index('ix_follow_ups_status_overdue_at', ['status', 'overdue_at'], unique=False)
        batch_op.create_index('uq_follow_ups_enquiry_id_rule_rule_key', ['enquiry_id', 'rule', 'rule_key'], unique=True, sqlite_where=sa.text('rule IS NOT NULL'), postgresql_where=sa.text('rule IS NOT NULL'))

    op.create_table('follow_up_reschedules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('follow_up_id', sa.Integer(), nullable=False),
    sa.Column('from_due_on', sa.Date(), nullable=False),
    sa.Column('from_due_time', sa.Time(), nullable=True),
    sa.Column('to_due_on', sa.Date(), nullable=False),
    sa.Column('to_due_time', sa.Time(), nullable=True),
    sa.Column('from_assigned_to_id', sa.Integer(), nullable=True),
    sa.Column('to_assigned_to_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_follow_up_reschedules_by_id_users')),
    sa.ForeignKeyConstraint(['follow_up_id'], ['follow_ups.id'], name=op.f('fk_follow_up_reschedules_follow_up_id_follow_ups')),
    sa.ForeignKeyConstraint(['from_assigned_to_id'], ['users.id'], name=op.f('fk_follow_up_reschedules_from_assigned_to_id_users')),
    sa.ForeignKeyConstraint(['to_assigned_to_id'], ['users.id'], name=op.f('fk_follow_up_reschedules_to_assigned_to_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_reschedules'))
    )
    with op.batch_alter_table('follow_up_reschedules', schema=None) as batch_op:
        batch_op.create_index('ix_follow_up_reschedules_follow_up_id_at', ['follow_up_id', 'at'], unique=False)

    with op.batch_alter_table('clinic_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_contact_hours', sa.Integer(), nullable=False, server_default='2'))

    _seed_opening_hours()

    op.add_column("enquiries", sa.Column("next_follow_up_at", sa.DateTime(timezone=True), nullable=True))
    live = sa.text("archived_at IS NULL")
    op.create_index("ix_enquiries_next_follow_up_at_stage", "enquiries", ["next_follow_up_at", "stage", "received_at"],
                    sqlite_where=live, postgresql_where=live)



def downgrade():
    op.drop_index("ix_enquiries_next_follow_up_at_stage", table_name="enquiries")
    with op.batch_alter_table("enquiries", schema=None) as batch_op:
        batch_op.drop_column("next_follow_up_at")
    with op.batch_alter_table('clinic_settings', schema=None) as batch_op:
        batch_op.drop_column('first_contact_hours')

    with op.batch_alter_table('follow_up_reschedules', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_up_reschedules_follow_up_id_at')

    op.drop_table('follow_up_reschedules')
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index('uq_follow_ups_enquiry_id_rule_rule_key', sqlite_where=sa.text('rule IS NOT NULL'), postgresql_where=sa.text('rule IS NOT NULL'))
        batch_op.drop_index('ix_follow_ups_status_overdue_at')
        batch_op.drop_index('ix_follow_ups_enquiry_id_status')
        batch_op.drop_index('ix_follow_ups_assigned_to_id_status_overdue_at')

    op.drop_table('follow_ups')
    op.drop_table('digests_sent')
    with op.batch_alter_table('calendar_feeds', schema=None) as batch_op:
        batch_op.drop_index('uq_calendar_feeds_user_id_live', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))

    op.drop_table('calendar_feeds')
    op.drop_table('opening_hours')
