"""Which class serves which network, imported only when asked for (matrix-nio, atproto... stay unloaded)."""

from __future__ import annotations

import importlib

from comptoir.providers.base import Provider

PROVIDER_CLASSES: dict[str, str] = {
    "matrix": "comptoir.providers.matrix:MatrixProvider",
    "bluesky": "comptoir.providers.bluesky:BlueskyProvider",
    "mastodon": "comptoir.providers.mastodon:MastodonProvider",
    "x": "comptoir.providers.x:XProvider",
    "facebook": "comptoir.providers.facebook:FacebookProvider",
    "instagram": "comptoir.providers.instagram:InstagramProvider",
    "linkedin": "comptoir.providers.linkedin:LinkedInProvider",
    "email": "comptoir.providers.mail:MailProvider",
    "rss": "comptoir.providers.feeds:FeedProvider",
    "webpage": "comptoir.providers.webpage:WebPageProvider",
}


def get_provider_class(network: str) -> type[Provider]:
    """The Provider subclass for `network`; KeyError names the networks that have one."""
    try:
        target = PROVIDER_CLASSES[network]
    except KeyError:
        known = ", ".join(sorted(PROVIDER_CLASSES))
        raise KeyError(f"No provider for network '{network}'; known networks: {known}.") from None
    module_name, class_name = target.split(":")
    provider_class: type[Provider] = getattr(importlib.import_module(module_name), class_name)
    return provider_class
