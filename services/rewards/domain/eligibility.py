"""Who may ask for a reward, and, when someone may not, why in words they understand.

A reward's rules are all optional and all must hold: one of some roles, a home
community among some, a minimum of lifetime approved service hours, a minimum
service level. They are stored as JSON on the reward (``to_json``) and read back with
the same validation an administrator's input gets (``from_json``), whose field errors
are keyed ``eligibility.<rule>`` as the rules sit under ``eligibility`` in the API.

``check`` answers with the first rule that fails, in the order above (the one a
member can least change first), as a :class:`Refusal`: a stable ``code`` for clients,
``params`` with the numbers, and a sentence in English and in Chinese.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from common.errors import Forbidden, Invalid
from services.rewards.domain.standing import Levels, Standing

# every role of the suite (DESIGN.md, identity), with the words for its holders
ROLE_NAMES: dict[str, tuple[str, str]] = {
    "member": ("members", "成员"),
    "rider": ("riders", "骑手"),
    "party_member": ("party members", "党员"),
    "coordinator": ("coordinators", "协调员"),
    "reward_admin": ("reward administrators", "奖励管理员"),
    "provider": ("providers", "服务提供方"),
    "admin": ("administrators", "管理员"),
}
# no rule asks for more than a lifetime of service; a bigger number is a typing slip
MAX_HOURS = 100_000
KEYS = ("roles_any", "home_community_ids", "min_lifetime_hours", "min_level")
PREFIX = "eligibility"

T = TypeVar("T")

ROLE_REQUIRED = "role-required"
HOME_COMMUNITY = "home-community"
MIN_HOURS = "min-hours"
MIN_LEVEL = "min-level"


@dataclass(frozen=True)
class EligibilityRules:
    roles_any: tuple[str, ...] = ()
    home_community_ids: tuple[uuid.UUID, ...] = ()
    min_lifetime_hours: int = 0
    min_level: int = 0

    @classmethod
    def from_json(cls, data: object, *, levels: Levels | None = None) -> EligibilityRules:
        """Rules from JSON (``None`` or ``{}``: everyone), or Invalid with field errors.

        Given the district's ``levels``, a ``min_level`` no one can reach is refused too.
        """
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise Invalid.field(PREFIX, "Eligibility rules must be an object.")
        errors: dict[str, list[str]] = {}
        for key in data:
            if key not in KEYS:
                errors[f"{PREFIX}.{key}"] = [f"Unknown rule; the rules are {', '.join(KEYS)}."]
        roles = _strings(data.get("roles_any", []), "roles_any", errors)
        unknown = sorted({role for role in roles if role not in ROLE_NAMES})
        if unknown:
            errors[f"{PREFIX}.roles_any"] = [
                f"Unknown role {', '.join(unknown)}; roles are {', '.join(ROLE_NAMES)}."
            ]
        communities = _uuids(data.get("home_community_ids", []), errors)
        hours = _count(data.get("min_lifetime_hours", 0), "min_lifetime_hours", MAX_HOURS, errors)
        top = levels.top if levels is not None else 100
        level = _count(data.get("min_level", 0), "min_level", top, errors)
        if errors:
            raise Invalid("The eligibility rules are not valid.", errors=errors)
        return cls(_unique(roles), _unique(communities), hours, level)

    def to_json(self) -> dict[str, Any]:
        return {
            "roles_any": list(self.roles_any),
            "home_community_ids": [str(c) for c in self.home_community_ids],
            "min_lifetime_hours": self.min_lifetime_hours,
            "min_level": self.min_level,
        }


@dataclass(frozen=True)
class Refusal:
    """Why a member may not ask for a reward: a code, its numbers, and two sentences."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    message_zh: str = ""

    def message_in(self, language: str) -> str:
        """The Chinese sentence for ``zh``, ``zh-CN``, ...; the English one otherwise."""
        return self.message_zh if language.lower().startswith("zh") else self.message

    def error(self, language: str = "zh-CN") -> Forbidden:
        """The 403 ``not-eligible`` to raise when the member asks anyway."""
        return Forbidden(
            self.message_in(language),
            kind="not-eligible",
            extra={"reason": self.code, "params": self.params},
        )


def check(
    rules: EligibilityRules,
    standing: Standing,
    roles: frozenset[str],
    *,
    community_names: Mapping[uuid.UUID, str] | None = None,
) -> Refusal | None:
    """The first rule the member fails, or None when they may ask for the reward.

    ``community_names`` (id -> name), when the caller knows them, puts the names of
    the communities in the sentence instead of a general one.
    """
    if rules.roles_any and not roles & set(rules.roles_any):
        return _role_refusal(rules.roles_any)
    home = standing.home_community_id
    if rules.home_community_ids and home not in rules.home_community_ids:
        return _community_refusal(rules.home_community_ids, home, community_names or {})
    have_hours = standing.lifetime_hours
    if standing.lifetime_minutes < rules.min_lifetime_hours * 60:
        return _hours_refusal(have_hours, rules.min_lifetime_hours)
    if standing.level < rules.min_level:
        return _level_refusal(standing, rules.min_level)
    return None


def _role_refusal(roles_any: tuple[str, ...]) -> Refusal:
    english = " or ".join(ROLE_NAMES[role][0] for role in roles_any)
    chinese = "或".join(ROLE_NAMES[role][1] for role in roles_any)
    return Refusal(
        ROLE_REQUIRED,
        {"roles_any": list(roles_any)},
        f"This reward is only for {english}.",
        f"此奖励仅限{chinese}申请。",
    )


def _community_refusal(
    allowed: tuple[uuid.UUID, ...], home: uuid.UUID | None, names: Mapping[uuid.UUID, str]
) -> Refusal:
    params = {
        "home_community_ids": [str(c) for c in allowed],
        "home_community_id": str(home) if home else None,
    }
    if home is None:
        return Refusal(
            HOME_COMMUNITY,
            params,
            "This reward is only for residents of some communities, and we do not know "
            "your home community yet.",
            "此奖励仅限部分社区的居民申请,我们尚不知道您所在的社区。",
        )
    if all(c in names for c in allowed):
        return Refusal(
            HOME_COMMUNITY,
            params,
            f"This reward is only for residents of {' or '.join(names[c] for c in allowed)}.",
            f"此奖励仅限{'或'.join(names[c] for c in allowed)}的居民申请。",
        )
    return Refusal(
        HOME_COMMUNITY,
        params,
        "This reward is only for residents of some communities, and yours is not one of them.",
        "此奖励仅限部分社区的居民申请,您所在的社区不在其中。",
    )


def _hours_refusal(have: int, needed: int) -> Refusal:
    missing = needed - have
    unit = "hour" if missing == 1 else "hours"
    return Refusal(
        MIN_HOURS,
        {"required_hours": needed, "lifetime_hours": have, "missing_hours": missing},
        f"You need {missing} more approved service {unit} (you have {have} of {needed}).",
        f"您还需要 {missing} 小时经审核的服务时长(您已有 {have} 小时,要求 {needed} 小时)。",
    )


def _level_refusal(standing: Standing, required: int) -> Refusal:
    if required > standing.levels.top:
        # rules saved under other level settings: say so rather than invent a threshold
        return Refusal(
            MIN_LEVEL,
            {"required_level": required, "level": standing.level, "level_at_minutes": None},
            f"This reward needs service level {required}, which no one can reach here.",
            f"此奖励需要服务星级 {required} 星,本区尚未设立这一星级。",
        )
    at_minutes = standing.levels.thresholds_minutes[required - 1]
    missing = -(-(at_minutes - standing.lifetime_minutes) // 60)
    level = standing.level
    unit = "hour" if missing == 1 else "hours"
    where = f"you are at level {level}" if level else "you have no level yet"
    where_zh = f"您目前为 {level} 星" if level else "您目前尚无星级"
    return Refusal(
        MIN_LEVEL,
        {
            "required_level": required,
            "level": level,
            "level_at_minutes": at_minutes,
            "missing_hours": missing,
        },
        f"This reward needs service level {required} (reached at {at_minutes // 60} approved "
        f"hours); {where}, {missing} {unit} away.",
        f"此奖励需要服务星级 {required} 星(累计 {at_minutes // 60} 小时经审核的服务);"
        f"{where_zh},还差 {missing} 小时。",
    )


def _strings(value: object, key: str, errors: dict[str, list[str]]) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors[f"{PREFIX}.{key}"] = ["Must be a list of strings."]
        return []
    return value


def _uuids(value: object, errors: dict[str, list[str]]) -> list[uuid.UUID]:
    key = f"{PREFIX}.home_community_ids"
    texts = _strings(value, "home_community_ids", errors)
    ids: list[uuid.UUID] = []
    for text in texts:
        try:
            ids.append(uuid.UUID(text))
        except ValueError:
            errors[key] = [f"{text[:40]!r} is not a community id."]
    return ids


def _count(value: object, key: str, maximum: int, errors: dict[str, list[str]]) -> int:
    if type(value) is not int or not 0 <= value <= maximum:
        errors[f"{PREFIX}.{key}"] = [f"Must be a whole number from 0 to {maximum}."]
        return 0
    return value


def _unique(items: Sequence[T]) -> tuple[T, ...]:
    return tuple(dict.fromkeys(items))
