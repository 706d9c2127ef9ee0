"""Every page blueprint, in the order the gateway registers them."""

from __future__ import annotations

from gateway.web.views.account import blp as account
from gateway.web.views.coordinator import blp as coordinator
from gateway.web.views.home import blp as home
from gateway.web.views.reports import blp as reports
from gateway.web.views.volunteer import blp as volunteer

BLUEPRINTS = [account, home, reports, volunteer, coordinator]
