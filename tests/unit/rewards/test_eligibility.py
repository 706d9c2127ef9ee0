"""Eligibility rules: what an administrator may write, and the reason a member hears."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.errors import Forbidden, Invalid
from services.rewards.domain.eligibility import (
    ROLE_NAMES,
    EligibilityRules,
    Refusal,
    check,
)
from services.rewards.domain.standing import Levels, Standing

MEMBER = uuid.UUID(int=1)
HOME = uuid.UUID(int=100)
OTHER = uuid.UUID(int=200)
H = 60


def standing(hours: float = 0, home: uuid.UUID | None = HOME) -> Standing:
    return Standing(MEMBER, int(hours * 60), home)


def refusal(rules: dict[str, Any], who: Standing, roles: set[str] | None = None) -> Refusal:
    result = check(EligibilityRules.from_json(rules), who, frozenset(roles or {"member"}))
    assert result is not None
    return result


def test_no_rules_admit_everyone() -> None:
    assert EligibilityRules.from_json({}) == EligibilityRules.from_json(None) == EligibilityRules()
    assert check(EligibilityRules(), standing(0, None), frozenset()) is None


def test_round_trip_through_json() -> None:
    data = {
        "roles_any": ["rider", "party_member"],
        "home_community_ids": [str(HOME), str(OTHER)],
        "min_lifetime_hours": 300,
        "min_level": 2,
    }
    rules = EligibilityRules.from_json(data)
    assert rules.home_community_ids == (HOME, OTHER)
    assert rules.to_json() == data
    assert EligibilityRules.from_json(rules.to_json()) == rules


def test_duplicates_are_kept_once_in_order() -> None:
    rules = EligibilityRules.from_json(
        {"roles_any": ["rider", "admin", "rider"], "home_community_ids": [str(HOME)] * 2}
    )
    assert rules.roles_any == ("rider", "admin") and rules.home_community_ids == (HOME,)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"colour": "red"}, "eligibility.colour"),
        ({"roles_any": ["pilot"]}, "eligibility.roles_any"),
        ({"roles_any": "rider"}, "eligibility.roles_any"),
        ({"roles_any": [1]}, "eligibility.roles_any"),
        ({"home_community_ids": ["not-a-uuid"]}, "eligibility.home_community_ids"),
        ({"home_community_ids": str(HOME)}, "eligibility.home_community_ids"),
        ({"min_lifetime_hours": -1}, "eligibility.min_lifetime_hours"),
        ({"min_lifetime_hours": 2.5}, "eligibility.min_lifetime_hours"),
        ({"min_lifetime_hours": "10"}, "eligibility.min_lifetime_hours"),
        ({"min_lifetime_hours": True}, "eligibility.min_lifetime_hours"),
        ({"min_lifetime_hours": 10**9}, "eligibility.min_lifetime_hours"),
        ({"min_level": -2}, "eligibility.min_level"),
        ({"min_level": None}, "eligibility.min_level"),
    ],
)
def test_bad_rules_are_field_errors(data: dict[str, Any], field: str) -> None:
    with pytest.raises(Invalid) as info:
        EligibilityRules.from_json(data)
    assert info.value.errors is not None and list(info.value.errors) == [field]
    assert info.value.errors[field][0].endswith(".")


def test_every_bad_rule_is_reported_at_once() -> None:
    with pytest.raises(Invalid) as info:
        EligibilityRules.from_json({"x": 1, "roles_any": ["pilot"], "min_level": -1})
    assert info.value.errors is not None
    assert set(info.value.errors) == {
        "eligibility.x",
        "eligibility.roles_any",
        "eligibility.min_level",
    }
    assert "pilot" in info.value.errors["eligibility.roles_any"][0]


def test_rules_must_be_an_object() -> None:
    with pytest.raises(Invalid) as info:
        EligibilityRules.from_json(["rider"])
    assert info.value.errors == {"eligibility": ["Eligibility rules must be an object."]}


def test_a_level_beyond_the_district_levels_is_refused_when_levels_are_known() -> None:
    assert EligibilityRules.from_json({"min_level": 5}, levels=Levels()).min_level == 5
    with pytest.raises(Invalid):
        EligibilityRules.from_json({"min_level": 6}, levels=Levels())


def test_role_required() -> None:
    rules = {"roles_any": ["rider", "party_member"]}
    result = refusal(rules, standing(500))
    assert result.code == "role-required"
    assert result.params == {"roles_any": ["rider", "party_member"]}
    assert result.message == "This reward is only for riders or party members."
    assert result.message_zh == "此奖励仅限骑手或党员申请。"
    assert check(EligibilityRules.from_json(rules), standing(), frozenset({"rider"})) is None


def test_home_community() -> None:
    rules = EligibilityRules.from_json({"home_community_ids": [str(HOME)]})
    assert check(rules, standing(home=HOME), frozenset()) is None
    elsewhere = check(rules, standing(home=OTHER), frozenset())
    assert elsewhere is not None and elsewhere.code == "home-community"
    assert elsewhere.params["home_community_id"] == str(OTHER)
    assert "not one of them" in elsewhere.message
    unknown = check(rules, standing(home=None), frozenset())
    assert unknown is not None and "do not know your home community" in unknown.message
    named = check(rules, standing(home=OTHER), frozenset(), community_names={HOME: "Xinhua"})
    assert named is not None
    assert named.message == "This reward is only for residents of Xinhua."
    assert named.message_zh == "此奖励仅限Xinhua的居民申请。"


def test_min_hours_says_how_many_more() -> None:
    result = refusal({"min_lifetime_hours": 300}, standing(180))
    assert result.code == "min-hours"
    assert result.message == "You need 120 more approved service hours (you have 180 of 300)."
    assert result.message_zh == (
        "您还需要 120 小时经审核的服务时长(您已有 180 小时,要求 300 小时)。"
    )
    assert result.params == {"required_hours": 300, "lifetime_hours": 180, "missing_hours": 120}


def test_min_hours_counts_part_hours_honestly() -> None:
    # 299 h 59 min is not 300 h; saying "1 more hour" of 300 with 299 is what people read
    result = refusal({"min_lifetime_hours": 300}, Standing(MEMBER, 300 * H - 1, HOME))
    assert result.message == "You need 1 more approved service hour (you have 299 of 300)."
    assert check(EligibilityRules(min_lifetime_hours=300), standing(300), frozenset()) is None


def test_min_level() -> None:
    result = refusal({"min_level": 3}, standing(350))
    assert result.code == "min-level"
    assert result.params == {
        "required_level": 3,
        "level": 2,
        "level_at_minutes": 600 * H,
        "missing_hours": 250,
    }
    assert result.message == (
        "This reward needs service level 3 (reached at 600 approved hours); "
        "you are at level 2, 250 hours away."
    )
    assert "3 星" in result.message_zh and "还差 250 小时" in result.message_zh
    first = refusal({"min_level": 1}, Standing(MEMBER, 100 * H - 30, HOME))
    assert first.message.endswith("you have no level yet, 1 hour away.")
    assert check(EligibilityRules(min_level=2), standing(300), frozenset()) is None


def test_a_level_no_one_can_reach_is_explained() -> None:
    result = refusal({"min_level": 9}, standing(2000))
    assert result.params["level_at_minutes"] is None
    assert "no one can reach" in result.message


def test_order_of_reasons_role_then_community_then_hours_then_level() -> None:
    rules = {
        "roles_any": ["rider"],
        "home_community_ids": [str(HOME)],
        "min_lifetime_hours": 100,
        "min_level": 2,
    }
    who = standing(0, OTHER)
    assert refusal(rules, who).code == "role-required"
    assert refusal(rules, who, {"rider"}).code == "home-community"
    assert refusal(rules, standing(0), {"rider"}).code == "min-hours"
    assert refusal(rules, standing(150), {"rider"}).code == "min-level"


def test_refusal_as_a_not_eligible_error_in_either_language() -> None:
    result = refusal({"min_lifetime_hours": 10}, standing(0))
    error = result.error()
    assert isinstance(error, Forbidden) and error.kind == "not-eligible"
    assert error.detail == result.message_zh
    assert error.extra == {"reason": "min-hours", "params": result.params}
    assert result.error("en-GB").detail == result.message
    assert result.message_in("zh") == result.message_zh


roles = st.frozensets(st.sampled_from(sorted(ROLE_NAMES)))


@given(
    st.lists(st.sampled_from(sorted(ROLE_NAMES)), max_size=3),
    st.integers(0, 2000),
    st.integers(0, 5),
    roles,
    st.integers(0, 2500 * H),
)
def test_refused_exactly_when_a_rule_fails(
    required: list[str], hours: int, level: int, held: frozenset[str], minutes: int
) -> None:
    rules = EligibilityRules.from_json(
        {"roles_any": required, "min_lifetime_hours": hours, "min_level": level}
    )
    who = Standing(MEMBER, minutes, HOME)
    fails = (
        bool(required) and not held & set(required),
        minutes < hours * 60,
        who.level < level,
    )
    result = check(rules, who, held)
    assert (result is None) == (not any(fails))
    if result is not None:
        assert result.message and result.message_zh
        assert "missing_hours" not in result.params or result.params["missing_hours"] > 0
