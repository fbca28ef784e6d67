"""The networks a person can connect, how (a form or an OAuth redirection), and the fields each form asks."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


class ConnectMethod(StrEnum):
    FORM = "form"
    OAUTH = "oauth"


@dataclass(frozen=True)
class Field:
    name: str
    label: str | _StrPromise
    secret: bool = False
    required: bool = True
    help_text: str | _StrPromise = ""
    initial: str = ""


@dataclass(frozen=True)
class Network:
    key: str
    label: str | _StrPromise
    method: ConnectMethod
    fields: tuple[Field, ...] = ()
    description: str | _StrPromise = ""


NETWORKS: dict[str, Network] = {
    network.key: network
    for network in [
        Network(
            "matrix",
            "Matrix",
            ConnectMethod.FORM,
            (
                Field("homeserver", _("Homeserver address"), initial="https://matrix.org"),
                Field("user_id", _("Bot account (e.g. @brand:matrix.org)")),
                Field(
                    "password",
                    _("Password"),
                    secret=True,
                    required=False,
                    help_text=_("Used once to log in; only the session token is kept."),
                ),
                Field("access_token", _("Or an access token"), secret=True, required=False),
                Field("room", _("Room (ID or alias, e.g. #community:matrix.org)")),
            ),
            _("A room your community talks in: posts, replies, direct messages, moderation."),
        ),
        Network(
            "bluesky",
            "Bluesky",
            ConnectMethod.FORM,
            (
                Field("service", _("Server"), initial="https://bsky.social"),
                Field("handle", _("Handle (e.g. brand.bsky.social)")),
                Field(
                    "app_password",
                    _("App password"),
                    secret=True,
                    help_text=_(
                        "Create one in Bluesky's settings, under Privacy and security → App passwords."
                    ),
                ),
            ),
            _("Posts with mentions, links and images, threads, notifications, replies, mute and report."),
        ),
        Network(
            "mastodon",
            "Mastodon",
            ConnectMethod.OAUTH,
            (Field("instance", _("Instance (e.g. mastodon.social)")),),
            _("Statuses, media, notifications, direct messages."),
        ),
        Network(
            "x",
            "X",
            ConnectMethod.OAUTH,
            (),
            _("Posts, mentions, hidden replies and metrics (API plan required)."),
        ),
        Network(
            "facebook", "Facebook", ConnectMethod.OAUTH, (), _("A Page: posts, comments, hiding, insights.")
        ),
        Network(
            "instagram",
            "Instagram",
            ConnectMethod.OAUTH,
            (),
            _("A business account: posts, comments, insights."),
        ),
        Network(
            "linkedin",
            "LinkedIn",
            ConnectMethod.OAUTH,
            (),
            _("An organization page: posts, comments, followers."),
        ),
        Network(
            "email",
            _("E-mail"),
            ConnectMethod.FORM,
            (
                Field("address", _("Support address")),
                Field("imap_host", _("IMAP server")),
                Field("imap_port", _("IMAP port"), initial="993"),
                Field("imap_security", _("IMAP security (ssl, starttls or none)"), initial="ssl"),
                Field("imap_user", _("IMAP user name")),
                Field("imap_password", _("IMAP password"), secret=True),
                Field("smtp_host", _("SMTP server")),
                Field("smtp_port", _("SMTP port"), initial="465"),
                Field("smtp_security", _("SMTP security (ssl, starttls or none)"), initial="ssl"),
                Field("smtp_user", _("SMTP user name"), required=False),
                Field(
                    "smtp_password",
                    _("SMTP password"),
                    secret=True,
                    required=False,
                    help_text=_("Leave empty to use the IMAP password."),
                ),
            ),
            _("A support mailbox: customer e-mails arrive in the inbox, replies stay in the thread."),
        ),
        Network(
            "rss",
            _("RSS/Atom feed"),
            ConnectMethod.FORM,
            (Field("url", _("Feed address")),),
            _("A source to watch: new articles arrive in curation and listening."),
        ),
        Network(
            "webpage",
            _("Web page"),
            ConnectMethod.FORM,
            (Field("url", _("Page address")),),
            _("A page to watch: its article text is extracted when it changes."),
        ),
    ]
}
