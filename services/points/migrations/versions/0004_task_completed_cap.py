"""task.completed gets a daily cap (every event type is capped; issue 11)

A new version of the rule, in force from the migration on (events that occurred
before keep the uncapped version they were paid by); only when the rule in force has
no cap, so an admin's own cap is kept.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TASK_COMPLETED_CAP = 45  # three tasks a day at the default 15 points


UPGRADE_SQL = f"""
    INSERT INTO earning_rules (event_type, points, per, daily_cap, effective_from)
    SELECT event_type, points, per, {TASK_COMPLETED_CAP}, now()
      FROM (SELECT * FROM earning_rules WHERE event_type = 'task.completed'
             ORDER BY effective_from DESC, id DESC LIMIT 1) AS newest
     WHERE newest.daily_cap IS NULL
"""


def upgrade() -> None:
    op.execute(UPGRADE_SQL)


def downgrade() -> None:
    # the cap version stays: dropping a version would re-price events paid by it
    pass
