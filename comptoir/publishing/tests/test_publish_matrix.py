"""On a real Synapse: a scheduled post goes out to the room once, and a post whose worker died is found by
reading the room back instead of being sent twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from comptoir.channels.actions import provider_for
from comptoir.channels.models import Channel
from comptoir.channels.tests.test_connect_matrix import create_room, room_texts
from comptoir.providers.base import OutboundPost
from comptoir.publishing.actions import do_create_post
from comptoir.publishing.models import PostTarget
from comptoir.publishing.publisher import STUCK_AFTER, claim_due_targets, run_publisher
from comptoir.workspaces.models import Membership
from tests.peers.matrix import MatrixUser, SynapsePeer, connect_room_channel

pytestmark = pytest.mark.peers


def connect_room(owner: Membership, synapse: SynapsePeer) -> tuple[Channel, MatrixUser, str]:
    bot = synapse.register_user("fournil")
    room_id = create_room(synapse, bot)
    return connect_room_channel(owner, synapse, bot, room_id), bot, room_id


def test_scheduled_post_is_published_to_the_room(owner: Membership, synapse: SynapsePeer) -> None:
    channel, bot, room_id = connect_room(owner, synapse)
    due = timezone.now() + timedelta(minutes=5)
    post = do_create_post(
        owner.workspace,
        owner.user,
        title="Pain du jour",
        variants={channel: "Pain au levain ce matin !"},
        publish_at=due,
    )
    assert run_publisher("worker-1", timezone.now()) == []
    [target] = run_publisher("worker-1", due)
    assert target.state == PostTarget.State.PUBLISHED and target.remote_id.startswith("$")
    assert room_texts(synapse, bot, room_id).count("Pain au levain ce matin !") == 1
    [remote] = provider_for(channel).recent_posts(limit=5)
    assert (remote.remote_id, remote.text) == (target.remote_id, "Pain au levain ce matin !")
    assert post.targets.get().attempts_made.get().outcome == "published"


def test_post_sent_by_a_worker_that_died_is_found_in_the_room(
    owner: Membership, synapse: SynapsePeer
) -> None:
    channel, bot, room_id = connect_room(owner, synapse)
    now = timezone.now()
    do_create_post(
        owner.workspace, owner.user, title="Fermeture", variants={channel: "Fermé lundi."}, publish_at=now
    )
    [claimed] = claim_due_targets("worker-1", now)
    sent = provider_for(channel).publish(
        OutboundPost(text="Fermé lundi.", idempotency_key=str(claimed.idempotency_key))
    )
    run_publisher("worker-2", now + STUCK_AFTER + timedelta(minutes=1))
    claimed.refresh_from_db()
    assert (claimed.state, claimed.remote_id) == (PostTarget.State.PUBLISHED, sent.remote_id)
    assert room_texts(synapse, bot, room_id).count("Fermé lundi.") == 1
