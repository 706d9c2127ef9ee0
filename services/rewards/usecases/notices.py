"""What a member is told about their redemptions, appeals and rounds, in two languages."""

from __future__ import annotations

from services.rewards.adapters.models import Redemption
from services.rewards.usecases.notifications import Notice

# kind -> (title zh, body zh, title en, body en); {name}, {reason}, {rank}, {code} filled in
TEXTS: dict[str, tuple[str, str, str, str]] = {
    "redemption.pending": (
        "兑换申请已提交",
        "您申请的「{name}」已冻结 {cost} 积分，等待审核。",
        "Request received",
        "Your request for {name_en} holds {cost} points while it waits for approval.",
    ),
    "redemption.approved": (
        "兑换已通过",
        "您申请的「{name}」已通过，{cost} 积分已扣除。兑换码：{code}",
        "Request approved",
        "Your request for {name_en} was approved and {cost} points were spent. Voucher: {code}",
    ),
    "redemption.rejected": (
        "兑换未通过",
        "您申请的「{name}」未通过，冻结的积分已退回。原因：{reason}。您可以申诉一次。",
        "Request not approved",
        "Your request for {name_en} was not approved and the held points are back. "
        "Reason: {reason}. You may appeal once.",
    ),
    "redemption.cancelled": (
        "兑换已取消",
        "您申请的「{name}」已取消，冻结的积分已退回。",
        "Request cancelled",
        "Your request for {name_en} was cancelled and the held points are back.",
    ),
    "redemption.expired": (
        "兑换已过期",
        "您申请的「{name}」未在期限内完成审核，冻结的积分已退回。",
        "Request expired",
        "Your request for {name_en} was not decided in time; the held points are back.",
    ),
    "redemption.revoked": (
        "兑换码已作废",
        "您「{name}」的兑换码已作废。原因：{reason}",
        "Voucher withdrawn",
        "Your voucher for {name_en} was withdrawn. Reason: {reason}",
    ),
    "redemption.fulfilled": (
        "兑换已使用",
        "您的「{name}」兑换码已使用。",
        "Voucher used",
        "Your voucher for {name_en} was used.",
    ),
    "round.won": (
        "名额分配：入选",
        "您在「{name}」的名额分配中排名第 {rank}，已入选，等待审核。",
        "Allocation: you have a place",
        "You ranked {rank} in the allocation of {name_en} and have a place, pending approval.",
    ),
    "round.lost": (
        "名额分配：未入选",
        "您在「{name}」的名额分配中排名第 {rank}，未入选，冻结的积分已退回。",
        "Allocation: no place this time",
        "You ranked {rank} in the allocation of {name_en}; there was no place for you and "
        "the held points are back.",
    ),
    "appeal.granted": (
        "申诉成功",
        "您对「{name}」的申诉已获支持，申请已重新进入审核。说明：{reason}",
        "Appeal granted",
        "Your appeal for {name_en} was granted and the request is back in review: {reason}",
    ),
    "appeal.upheld": (
        "申诉未获支持",
        "您对「{name}」的申诉未获支持，原决定维持。说明：{reason}",
        "Appeal not granted",
        "Your appeal for {name_en} was not granted; the rejection stands: {reason}",
    ),
}


def notice(kind: str, redemption: Redemption, **params: object) -> Notice:
    title_zh, body_zh, title_en, body_en = TEXTS[kind]
    terms = redemption.terms
    values = {
        "name": terms.get("name", ""),
        "name_en": terms.get("name_en") or terms.get("name", ""),
        "cost": redemption.cost,
        "reason": redemption.reason or "",
        "rank": redemption.rank,
        "code": "",
        **params,
    }
    return Notice(
        kind,
        title_zh,
        body_zh.format(**values),
        title_en,
        body_en.format(**values),
        {"redemption_id": str(redemption.id), "reward_id": str(redemption.reward_id)},
    )
