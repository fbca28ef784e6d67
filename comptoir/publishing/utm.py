"""UTM parameters on a post's links: which ones a target gets, and adding them without touching anything else."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl, quote

import regex

from comptoir.publishing.models import LinkTracking

# A link starts with its scheme and runs to the next space; what may close the sentence around it is peeled
# off afterwards (see _trim), as twitter-text does. Mentions (@name) and hashtags (#tag) never start with a
# scheme, so they are never matched.
_LINK = regex.compile(r"(?<![\w@#/])https?://[^\s<>\"]+", regex.IGNORECASE)
_TRAILING = ".,;:!?'\"»…*"
_CLOSERS = {")": "(", "]": "[", "}": "{"}


def add_utm(text: str, params: Mapping[str, str]) -> str:
    """`text` with `params` added to the query of every http(s) link in it.

    A link's existing query and fragment are kept (the parameters go before the `#`), a parameter the link
    already has is left as the author wrote it, and punctuation closing the sentence stays outside the link."""
    wanted = {key: value for key, value in params.items() if value}
    if not wanted:
        return text
    return str(_LINK.sub(lambda match: _tag(match.group(0), wanted), text))


def _tag(candidate: str, params: Mapping[str, str]) -> str:
    link, tail = _trim(candidate)
    base, hash_mark, fragment = link.partition("#")
    path, question_mark, query = base.partition("?")
    present = {key for key, _value in parse_qsl(query, keep_blank_values=True)}
    added = "&".join(
        f"{quote(key, safe='')}={quote(value, safe='')}"
        for key, value in params.items()
        if key not in present
    )
    if not added:
        return candidate
    if not question_mark:
        if path.count("/") == 2:
            # "https://example.fr" has no path; a query needs one ("https://example.fr/?…").
            path += "/"
        query = added
    elif not query or query.endswith("&"):
        query += added
    else:
        query += "&" + added
    return f"{path}?{query}{hash_mark}{fragment}{tail}"


def _trim(candidate: str) -> tuple[str, str]:
    """Splits trailing sentence punctuation off a link; a closing bracket stays when the link opened it
    (https://fr.wikipedia.org/wiki/Pain_(aliment))."""
    end = len(candidate)
    while end > 0:
        last = candidate[end - 1]
        if last in _TRAILING or (
            last in _CLOSERS and candidate[:end].count(_CLOSERS[last]) < candidate[:end].count(last)
        ):
            end -= 1
        else:
            break
    return candidate[:end], candidate[end:]


def utm_params(tracking: LinkTracking | None, campaign: str, network: str) -> dict[str, str]:
    """The parameters a target's links get: none when tracking is off; otherwise utm_source is the network,
    utm_medium the workspace's, utm_campaign the post's `campaign` or else the workspace's default (left out
    when both are empty)."""
    if tracking is None or not tracking.enabled:
        return {}
    params = {"utm_source": network, "utm_medium": tracking.medium}
    if campaign.strip() or tracking.campaign:
        params["utm_campaign"] = campaign.strip() or tracking.campaign
    return params


def tracking_of(workspace_id: int) -> LinkTracking | None:
    return LinkTracking.objects.filter(workspace_id=workspace_id).first()
