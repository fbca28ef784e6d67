"""factory_boy factories for the core models."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import factory
from django.utils import timezone

from comptoir.accounts.models import User
from comptoir.api.actions import do_create_api_token
from comptoir.api.models import ApiToken
from comptoir.channels import crypto
from comptoir.channels.models import Channel
from comptoir.inbox.models import Contact, Conversation, Department, Label, Message, SavedReply
from comptoir.moderation.models import Rule
from comptoir.publishing.models import Campaign, Media, Pillar, Post, PostTarget, QueueSlot, ReviewLink
from comptoir.workspaces.models import Invitation, Membership, Workspace
from comptoir.workspaces.permissions import Role
from comptoir.workspaces.tokens import hash_token

PASSWORD = "correct horse battery staple"  # noqa: S105 - test accounts only


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name", locale="fr_FR")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            self.save()


class WorkspaceFactory(factory.django.DjangoModelFactory[Workspace]):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Marque {n}")
    slug = factory.Sequence(lambda n: f"marque-{n}")


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.OWNER


class InvitationFactory(factory.django.DjangoModelFactory[Invitation]):
    class Meta:
        model = Invitation

    workspace = factory.SubFactory(WorkspaceFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.test")
    role = Role.EDITOR
    token_hash = factory.Sequence(lambda n: hash_token(f"token-{n}"))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class ChannelFactory(factory.django.DjangoModelFactory[Channel]):
    class Meta:
        model = Channel

    workspace = factory.SubFactory(WorkspaceFactory)
    network = "matrix"
    name = factory.Sequence(lambda n: f"#communaute-{n}")
    account_id = factory.Sequence(lambda n: f"!room{n}:localhost")
    credentials_encrypted = factory.LazyFunction(
        lambda: crypto.encrypt({"access_token": "syt_factory_token"})
    )


def api_token_for(membership: Membership, role: str | None = None) -> tuple[ApiToken, str]:
    return do_create_api_token(membership, "test", role or membership.role)


class ContactFactory(factory.django.DjangoModelFactory[Contact]):
    class Meta:
        model = Contact

    channel = factory.SubFactory(ChannelFactory)
    workspace = factory.SelfAttribute("channel.workspace")
    external_id = factory.Sequence(lambda n: f"@fan{n}:localhost")
    handle = factory.SelfAttribute("external_id")
    display_name = factory.Sequence(lambda n: f"Fan {n}")


class ConversationFactory(factory.django.DjangoModelFactory[Conversation]):
    class Meta:
        model = Conversation

    contact = factory.SubFactory(ContactFactory)
    channel = factory.SelfAttribute("contact.channel")
    workspace = factory.SelfAttribute("channel.workspace")
    kind = Conversation.Kind.MENTION
    external_thread_id = factory.Sequence(lambda n: f"$thread{n}")
    subject = factory.Sequence(lambda n: f"Question {n}")


class MessageFactory(factory.django.DjangoModelFactory[Message]):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    channel = factory.SelfAttribute("conversation.channel")
    workspace = factory.SelfAttribute("conversation.workspace")
    contact = factory.SelfAttribute("conversation.contact")
    external_id = factory.Sequence(lambda n: f"$event{n}")
    kind = "mention"
    text = factory.Sequence(lambda n: f"Bonjour, message {n}")
    created_at = factory.LazyFunction(timezone.now)


class PostFactory(factory.django.DjangoModelFactory[Post]):
    class Meta:
        model = Post

    workspace = factory.SubFactory(WorkspaceFactory)
    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Annonce {n}")


class PostTargetFactory(factory.django.DjangoModelFactory[PostTarget]):
    """A target scheduled for now, on a channel of the post's workspace."""

    class Meta:
        model = PostTarget

    post = factory.SubFactory(PostFactory)
    channel = factory.SubFactory(ChannelFactory, workspace=factory.SelfAttribute("..post.workspace"))
    text = factory.Sequence(lambda n: f"Nouvelle fournée n° {n} ce matin !")
    state = PostTarget.State.SCHEDULED
    due_at = factory.LazyFunction(timezone.now)
    next_attempt_at = factory.SelfAttribute("due_at")


class PillarFactory(factory.django.DjangoModelFactory[Pillar]):
    class Meta:
        model = Pillar

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Pilier {n}")
    target_share = 10


class MediaFactory(factory.django.DjangoModelFactory[Media]):
    """A library row whose file is not on disk: for pages and permissions (uploads go through
    publishing.media.do_upload_media)."""

    class Meta:
        model = Media

    workspace = factory.SubFactory(WorkspaceFactory)
    file = factory.Sequence(lambda n: f"media/test/{n}/photo.jpg")
    original_name = "photo.jpg"
    mime_type = "image/jpeg"
    size_bytes = 1024
    width = 800
    height = 600
    alt_text = "Une photo"


class ReviewLinkFactory(factory.django.DjangoModelFactory[ReviewLink]):
    """A review link valid for a week; its token is `token`, of which only the hash is stored."""

    class Meta:
        model = ReviewLink
        exclude = ["token"]

    post = factory.SubFactory(PostFactory)
    token = factory.Sequence(lambda n: f"review-token-{n}")
    token_hash = factory.LazyAttribute(lambda link: hash_token(link.token))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class DepartmentFactory(factory.django.DjangoModelFactory[Department]):
    class Meta:
        model = Department

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Service {n}")
    email = factory.Sequence(lambda n: f"service{n}@example.test")
    webhook_secret_encrypted = factory.LazyFunction(lambda: crypto.encrypt({"secret": "s3cret-for-tests"}))


class RuleFactory(factory.django.DjangoModelFactory[Rule]):
    """A rule sending messages that contain "arnaque" to the moderation queue."""

    class Meta:
        model = Rule

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Règle {n}")
    position = factory.Sequence(lambda n: n * 10)
    conditions = factory.LazyFunction(lambda: [{"type": "keywords", "words": ["arnaque"]}])
    actions = factory.LazyFunction(lambda: [{"type": "queue"}])


class CampaignFactory(factory.django.DjangoModelFactory[Campaign]):
    class Meta:
        model = Campaign

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Opération {n}")
    starts_on = factory.LazyFunction(lambda: timezone.localdate())
    ends_on = factory.SelfAttribute("starts_on")


class QueueSlotFactory(factory.django.DjangoModelFactory[QueueSlot]):
    """Mondays at 09:00 on a channel (in its workspace's time zone)."""

    class Meta:
        model = QueueSlot

    channel = factory.SubFactory(ChannelFactory)
    weekday = 0
    local_time = time(9, 0)


class LabelFactory(factory.django.DjangoModelFactory[Label]):
    class Meta:
        model = Label

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Label {n}")
    color = "#2f7d4f"


class SavedReplyFactory(factory.django.DjangoModelFactory[SavedReply]):
    class Meta:
        model = SavedReply

    workspace = factory.SubFactory(WorkspaceFactory)
    title = factory.Sequence(lambda n: f"Saved reply {n}")
    body = "Bonjour {{ first_name }}, merci pour votre message. {{ agent }}, pour {{ brand }}"
