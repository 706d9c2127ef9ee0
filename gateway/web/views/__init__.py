"""Every page blueprint, in the order the gateway registers them."""

from __future__ import annotations

from gateway.web.views.account import blp as account
from gateway.web.views.admin import blp as admin
from gateway.web.views.admin_catalogue import blp as admin_catalogue
from gateway.web.views.bulk import blp as bulk
from gateway.web.views.coordinator import blp as coordinator
from gateway.web.views.home import blp as home
from gateway.web.views.reports import blp as reports
from gateway.web.views.rewards import blp as rewards
from gateway.web.views.volunteer import blp as volunteer
from gateway.web.views.vouchers import blp as vouchers

BLUEPRINTS = [account, home, reports, volunteer, coordinator]
BLUEPRINTS += [rewards, admin, admin_catalogue, vouchers, bulk]
