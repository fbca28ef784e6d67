"""One contract for every registered provider: it declares its network and the matrix's capabilities, implements
the interface, and offers exactly the optional operations its capabilities promise."""

import inspect

import pytest

from comptoir.providers.base import Provider
from comptoir.providers.capabilities import LengthRule
from comptoir.providers.networks import CAPABILITIES
from comptoir.providers.registry import PROVIDER_CLASSES, get_provider_class

# Networks of the matrix that have no provider module yet: listed so that adding one is a decision.
WITHOUT_PROVIDER = {"youtube"}


def overrides(provider_class: type[Provider], method: str) -> bool:
    return getattr(provider_class, method) is not getattr(Provider, method)


@pytest.fixture(params=sorted(PROVIDER_CLASSES))
def network(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


def test_every_network_of_the_matrix_has_a_provider_or_is_listed_without() -> None:
    assert set(PROVIDER_CLASSES) | WITHOUT_PROVIDER == set(CAPABILITIES)
    assert not set(PROVIDER_CLASSES) & WITHOUT_PROVIDER


def test_provider_declares_its_network_and_the_matrix_capabilities(network: str) -> None:
    provider_class = get_provider_class(network)
    assert issubclass(provider_class, Provider)
    assert provider_class.network == network
    assert provider_class.capabilities is CAPABILITIES[network]


def test_provider_implements_every_abstract_method(network: str) -> None:
    provider_class = get_provider_class(network)
    assert not inspect.isabstract(provider_class), sorted(getattr(provider_class, "__abstractmethods__", ()))


def test_optional_operations_match_the_capabilities(network: str) -> None:
    provider_class = get_provider_class(network)
    capabilities = CAPABILITIES[network]
    assert overrides(provider_class, "fetch_metrics") == capabilities.metrics
    assert overrides(provider_class, "search") == capabilities.search
    assert overrides(provider_class, "moderate") == bool(capabilities.moderation)


@pytest.mark.parametrize("network", sorted(CAPABILITIES))
def test_capabilities_are_coherent(network: str) -> None:
    capabilities = CAPABILITIES[network]
    assert capabilities.network == network
    assert capabilities.label
    if capabilities.publish:
        assert capabilities.text_limit > 0
    if capabilities.length_rule in (LengthRule.MASTODON, LengthRule.X_WEIGHTED):
        assert capabilities.link_length
    media = capabilities.media
    assert (media.max_images > 0) == bool(media.image_types) or not capabilities.publish
    assert (media.max_videos > 0) == bool(media.video_types)
    if media.alt_text_limit:
        assert media.alt_text
    if media.min_aspect_ratio and media.max_aspect_ratio:
        assert media.min_aspect_ratio < media.max_aspect_ratio
    assert capabilities.moderation <= {
        "hide",
        "unhide",
        "delete",
        "kick",
        "ban",
        "unban",
        "mute",
        "unmute",
        "report",
    }


def test_unknown_network_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="No provider for network 'myspace'; known networks: bluesky, email"):
        get_provider_class("myspace")
