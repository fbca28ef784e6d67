"""Background moderation work: deliver messages routed by rules, resend those whose delivery failed for now."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from comptoir.inbox.models import Referral
from comptoir.inbox.routing import deliver_referral, resend_due_referrals


@db_task()
def deliver_routed_message(referral_id: int) -> None:
    # Out of the sync: a slow department webhook must not hold the ingest of a channel.
    referral = Referral.objects.filter(pk=referral_id).first()
    if referral is not None:
        deliver_referral(referral)


@db_periodic_task(crontab(minute="*"))
def resend_referrals() -> None:
    # Each referral waits its own backoff (retry_at); this only picks up those whose time has come.
    resend_due_referrals()
