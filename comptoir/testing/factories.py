"""factory_boy factories for the core models."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from comptoir.accounts.models import User
from comptoir.api.actions import do_create_api_token
from comptoir.api.models import ApiToken
from comptoir.channels import crypto
from comptoir.channels.models import Channel
from comptoir.inbox.models import Contact, Conversation, Message
from comptoir.publishing.models import Post, PostTarget
from comptoir.workspaces.models import Invitation, Membership, Workspace
from comptoir.workspaces.permissions import Role

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
    token_hash = factory.Sequence(lambda n: Invitation.hash_token(f"token-{n}"))
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
