"""The dry run: what a rule would have done on the last 30 days, with no side effect."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comptoir.channels.models import Channel
from comptoir.moderation.engine import dry_run
from comptoir.moderation.models import ActionLog, QueueItem, Rule
from comptoir.testing.factories import RuleFactory
from comptoir.workspaces.models import Membership

from .conftest import RecordingProvider, message_on


def test_dry_run_counts_matches_of_the_last_30_days_only(
    bluesky_channel: Channel, provider: RecordingProvider
) -> None:
    rule: Rule = RuleFactory(
        workspace=bluesky_channel.workspace, actions=[{"type": "delete"}, {"type": "queue"}]
    )
    message_on(bluesky_channel, "arnaque récente")
    message_on(bluesky_channel, "bonjour")
    message_on(bluesky_channel, "vieille arnaque", created_at=timezone.now() - timedelta(days=31))
    result = dry_run(rule)
    assert (result.scanned, len(result.matched)) == (2, 1)
    assert result.matched[0].message.text == "arnaque récente"
    assert result.action_counts == {"delete": 1, "queue": 1}


def test_dry_run_changes_nothing(bluesky_channel: Channel, provider: RecordingProvider) -> None:
    rule: Rule = RuleFactory(
        workspace=bluesky_channel.workspace, actions=[{"type": "delete"}, {"type": "queue"}]
    )
    message_on(bluesky_channel, "arnaque")
    dry_run(rule)
    rule.refresh_from_db()
    assert provider.calls == []
    assert not ActionLog.objects.exists() and not QueueItem.objects.exists()
    assert rule.matches_count == 0


def test_dry_run_page_shows_matches_escaped(
    owner: Membership, owner_client: Client, matrix_channel: Channel
) -> None:
    rule: Rule = RuleFactory(workspace=owner.workspace)
    message_on(matrix_channel, "<script>alert('arnaque')</script>")
    response = owner_client.get(reverse("moderation:rule_dry_run", args=[owner.workspace.slug, rule.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "&lt;script&gt;alert(&#x27;arnaque&#x27;)&lt;/script&gt;" in body
    assert "<script>alert(" not in body
