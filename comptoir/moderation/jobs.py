"""Background moderation work: deliver messages routed by rules, resend those whose delivery failed for now."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from comptoir.inbox.models import Referral
from comptoir.inbox.routing import deliver_referral, resend_due_referrals

logger = logging.getLogger(__name__)


@db_task()
def deliver_routed_message(referral_id: int) -> None:
    # Out of the sync: a slow department webhook must not hold the ingest of a channel.
    referral = Referral.objects.filter(pk=referral_id).first()
    if referral is not None:
        deliver_referral(referral)


@db_task()
def deliver_routed_messages(referral_ids: list[int]) -> None:
    """A batch's referrals in one task: one enqueue (a write and a commit to the queue's database) instead of one
    per message, which cost more than the rest of routing. Each delivery stands alone: one that raises is
    logged and the others go on; it keeps its retry time, so `resend_referrals` sends it later."""
    for referral in Referral.objects.filter(pk__in=referral_ids).order_by("pk"):
        try:
            deliver_referral(referral)
        except Exception:
            logger.exception("Delivery of referral %s failed", referral.pk)


@db_periodic_task(crontab(minute="*"))
def resend_referrals() -> None:
    # Each referral waits its own backoff (retry_at); this only picks up those whose time has come.
    resend_due_referrals()
