"""The capability matrix: what every network accepts and allows, read from its documentation, as plain data.

Each entry names the documentation page it comes from. Where a value is set per server (Matrix, Mastodon,
e-mail), the entry holds the default of the reference server; providers that can read the live value
(Mastodon's instance configuration, Instagram's content_publishing_limit) still check it before acting.
"""

from __future__ import annotations

from comptoir.providers.capabilities import Capabilities, ImagePreset, LengthRule, MediaRules, RateLimit

MB = 1024 * 1024

CAPABILITIES: dict[str, Capabilities] = {
    # Matrix client-server spec (v1.x): "Size limits" caps an event at 65 536 bytes of canonical JSON; 16 000
    # characters keep any text (up to 4 bytes each) under it with room for the envelope. Media:
    # m.image/m.video events, one file per event, size set by the server (Synapse max_upload_size defaults to
    # 50M). Moderation: redactions, /kick, /ban, /unban. Rate limits are set per homeserver (Synapse
    # rc_message).
    "matrix": Capabilities(
        network="matrix",
        label="Matrix",
        text_limit=16_000,
        length_rule=LengthRule.CHARACTERS,
        media=MediaRules(
            image_types=frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"}),
            video_types=frozenset({"video/mp4", "video/webm"}),
            max_images=1,
            max_videos=1,
            max_image_bytes=50 * MB,
            max_video_bytes=50 * MB,
            alt_text=True,
        ),
        threads=True,
        direct_messages=True,
        metrics=True,
        moderation=frozenset({"delete", "kick", "ban", "unban", "report"}),
    ),
    # Bluesky lexicons app.bsky.feed.post (text: maxGraphemes 300, maxLength 3000 bytes),
    # app.bsky.embed.images (max 4, blob maxSize 1 000 000 bytes, "alt" per image), app.bsky.embed.video (one
    # video, 100 000 000 bytes, mp4); docs.bsky.app "Rate Limits": 5 000 points/hour per account, a create
    # costs 3 points. Moderation: threadgate hiddenReplies, app.bsky.graph.block/mute, createReport.
    "bluesky": Capabilities(
        network="bluesky",
        label="Bluesky",
        text_limit=300,
        length_rule=LengthRule.GRAPHEMES,
        media=MediaRules(
            image_types=frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"}),
            video_types=frozenset({"video/mp4"}),
            max_images=4,
            max_videos=1,
            max_image_bytes=1_000_000,
            max_video_bytes=100_000_000,
            alt_text=True,
            alt_text_limit=2000,
        ),
        threads=True,
        search=True,
        metrics=True,
        moderation=frozenset({"hide", "unhide", "delete", "ban", "unban", "mute", "unmute", "report"}),
        rate_limit=RateLimit(requests=1666, per_seconds=3600),
    ),
    # docs.joinmastodon.org, entities/Instance configuration defaults: statuses.max_characters 500,
    # characters_reserved_per_url 23, max_media_attachments 4, image_size_limit 16 MB, video_size_limit 99 MB,
    # media description 1 500 characters, polls up to 4 options; api/rate-limits: 300 requests / 5 minutes per
    # account. Status length is counted by StatusLengthValidator (grapheme clusters, links = 23).
    "mastodon": Capabilities(
        network="mastodon",
        label="Mastodon",
        text_limit=500,
        length_rule=LengthRule.MASTODON,
        link_length=23,
        media=MediaRules(
            image_types=frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"}),
            video_types=frozenset({"video/mp4", "video/webm", "video/quicktime"}),
            max_images=4,
            max_videos=1,
            max_image_bytes=16 * MB,
            max_video_bytes=99 * MB,
            alt_text=True,
            alt_text_limit=1500,
        ),
        threads=True,
        polls=True,
        direct_messages=True,
        metrics=True,
        moderation=frozenset({"delete", "ban", "unban", "mute", "unmute", "report"}),
        rate_limit=RateLimit(requests=300, per_seconds=300),
        oauth=True,
    ),
    # docs.x.com: "Counting characters" (twitter-text v3: 280 weighted, links 23), "Media" (4 images of 5 MB
    # or one GIF of 15 MB or one video of 512 MB; alt text 1 000 characters via metadata), "Rate limits" (POST
    # /2/tweets 100 requests / 15 min per user), X Rules "Account limits" (2 400 posts a day). Moderation
    # through the API: hide/unhide replies (PUT /2/tweets/:id/hidden) and deleting own posts.
    "x": Capabilities(
        network="x",
        label="X",
        text_limit=280,
        length_rule=LengthRule.X_WEIGHTED,
        link_length=23,
        media=MediaRules(
            image_types=frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"}),
            video_types=frozenset({"video/mp4"}),
            max_images=4,
            max_videos=1,
            max_image_bytes=5 * MB,
            max_video_bytes=512 * MB,
            alt_text=True,
            alt_text_limit=1000,
        ),
        threads=True,
        polls=True,
        metrics=True,
        moderation=frozenset({"hide", "unhide", "delete"}),
        daily_post_cap=2400,
        rate_limit=RateLimit(requests=100, per_seconds=900),
        oauth=True,
    ),
    # developers.facebook.com, Graph API "Page Feed" and "Page Photos" (post text up to 63 206 characters;
    # photos JPEG/PNG/GIF/BMP/TIFF under 4 MB; several photos through attached_media), "Page Videos"
    # (non-resumable upload up to 1 GB), "Comment" (is_hidden, DELETE), "Rate Limiting" (Platform rate limit:
    # 200 calls per hour per user). Public comment replies have no time window; "Private Replies" to a comment
    # are allowed for 7 days, and Messenger's standard messaging window is 24 hours (7 days with the
    # HUMAN_AGENT tag), per "Messenger Platform policy".
    "facebook": Capabilities(
        network="facebook",
        label="Facebook",
        text_limit=63_206,
        length_rule=LengthRule.CHARACTERS,
        media=MediaRules(
            image_types=frozenset({"image/jpeg", "image/png", "image/gif", "image/bmp", "image/tiff"}),
            video_types=frozenset({"video/mp4", "video/quicktime"}),
            max_images=10,
            max_videos=1,
            max_image_bytes=4 * MB,
            max_video_bytes=1024 * MB,
        ),
        first_comment=True,
        metrics=True,
        moderation=frozenset({"hide", "unhide", "delete"}),
        dm_reply_window_hours=24,
        rate_limit=RateLimit(requests=200, per_seconds=3600),
        oauth=True,
    ),
    # developers.facebook.com, Instagram Platform "Content Publishing" (captions 2 200 characters, JPEG only,
    # aspect ratio 4:5 to 1.91:1, 8 MB, carousels up to 10 items, alt_text for images since 2025-03-24, media
    # must sit on a public URL), "IG User Media Publish" (50 API posts per 24-hour moving period; live value
    # at /{ig-user-id}/content_publishing_limit), "IG Comment" (hide, delete), Instagram Messaging: 24 hours
    # (7 days with HUMAN_AGENT). Rate limit is a Business Use Case quota that depends on impressions.
    "instagram": Capabilities(
        network="instagram",
        label="Instagram",
        text_limit=2200,
        length_rule=LengthRule.CHARACTERS,
        media=MediaRules(
            image_types=frozenset({"image/jpeg"}),
            video_types=frozenset({"video/mp4", "video/quicktime"}),
            max_images=10,
            max_videos=10,
            max_image_bytes=8 * MB,
            max_video_bytes=300 * MB,
            min_aspect_ratio=4 / 5,
            max_aspect_ratio=1.91,
            alt_text=True,
            media_required=True,
            mixed_media=True,
        ),
        first_comment=True,
        metrics=True,
        moderation=frozenset({"hide", "unhide", "delete"}),
        dm_reply_window_hours=24,
        daily_post_cap=50,
        oauth=True,
    ),
    # learn.microsoft.com, LinkedIn Community Management "Posts API" (commentary "little text", 3 000
    # characters; multiImage 2-20 images; altText on images), "Images API" (JPG/GIF/PNG, up to 36 152 320
    # pixels), "Videos API" (MP4, 75 KB-500 MB), "Comments API" (delete on organization posts), Rate limits
    # (Posts API: 150 requests per member per day).
    "linkedin": Capabilities(
        network="linkedin",
        label="LinkedIn",
        text_limit=3000,
        length_rule=LengthRule.CHARACTERS,
        media=MediaRules(
            image_types=frozenset({"image/jpeg", "image/png", "image/gif"}),
            video_types=frozenset({"video/mp4"}),
            max_images=20,
            max_videos=1,
            max_image_bytes=36 * MB,
            max_video_bytes=500 * MB,
            alt_text=True,
            alt_text_limit=4086,
        ),
        polls=True,
        first_comment=True,
        metrics=True,
        moderation=frozenset({"delete"}),
        daily_post_cap=150,
        oauth=True,
    ),
    # developers.google.com/youtube/v3: "Videos: insert" (one video, up to 256 GB; description 5 000 bytes),
    # "CommentThreads", "Comments: setModerationStatus" (heldForReview/rejected, banAuthor), "Quota" (10 000
    # units a day; videos.insert costs 1 600, so 6 uploads a day), "Search: list".
    "youtube": Capabilities(
        network="youtube",
        label="YouTube",
        text_limit=5000,
        length_rule=LengthRule.CHARACTERS,
        media=MediaRules(
            image_types=frozenset(),
            video_types=frozenset({"video/mp4", "video/quicktime", "video/webm"}),
            max_videos=1,
            max_video_bytes=256 * 1024 * MB,
            media_required=True,
        ),
        search=True,
        metrics=True,
        moderation=frozenset({"hide", "delete", "ban"}),
        daily_post_cap=6,
        oauth=True,
    ),
    # RFC 5322 (no body limit) and Postfix message_size_limit (10 240 000 bytes by default, attachments grow
    # by a third in base64): answers to customers' e-mails, with attachments.
    "email": Capabilities(
        network="email",
        label="E-mail",
        text_limit=100_000,
        length_rule=LengthRule.CHARACTERS,
        media=MediaRules(
            image_types=frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"}),
            max_images=10,
            max_image_bytes=7 * MB,
        ),
        direct_messages=True,
        moderation=frozenset({"delete"}),
    ),
    # RSS 2.0 / Atom (RFC 4287) feeds are read-only sources of articles.
    "rss": Capabilities(
        network="rss",
        label="RSS/Atom",
        text_limit=0,
        length_rule=LengthRule.CHARACTERS,
        media=MediaRules(image_types=frozenset()),
        publish=False,
    ),
    # A web page watched for new articles: read-only.
    "webpage": Capabilities(
        network="webpage",
        label="Web page",
        text_limit=0,
        length_rule=LengthRule.CHARACTERS,
        media=MediaRules(image_types=frozenset()),
        publish=False,
    ),
}


# The media library's rendition of an image per network. Sizes follow each network's documented display or
# resize size (Bluesky resizes to 2 000 px, Mastodon to 8.3 MP (3 840 × 2 160), Instagram keeps 1 440 px at most,
# Facebook 2 048 px, X up to 4 096 px); byte and aspect limits repeat the MediaRules above so a rendition is
# always accepted. Networks without images (YouTube, read-only sources) have no preset.
IMAGE_PRESETS: dict[str, ImagePreset] = {
    "matrix": ImagePreset(max_side=2560, max_bytes=CAPABILITIES["matrix"].media.max_image_bytes),
    "bluesky": ImagePreset(max_side=2000, max_bytes=CAPABILITIES["bluesky"].media.max_image_bytes),
    "mastodon": ImagePreset(max_side=3840, max_bytes=CAPABILITIES["mastodon"].media.max_image_bytes),
    "x": ImagePreset(max_side=4096, max_bytes=CAPABILITIES["x"].media.max_image_bytes),
    "facebook": ImagePreset(max_side=2048, max_bytes=CAPABILITIES["facebook"].media.max_image_bytes),
    "instagram": ImagePreset(
        max_side=1440,
        max_bytes=CAPABILITIES["instagram"].media.max_image_bytes,
        min_aspect_ratio=CAPABILITIES["instagram"].media.min_aspect_ratio,
        max_aspect_ratio=CAPABILITIES["instagram"].media.max_aspect_ratio,
    ),
    "linkedin": ImagePreset(max_side=4096, max_bytes=CAPABILITIES["linkedin"].media.max_image_bytes),
    "email": ImagePreset(max_side=1600, max_bytes=CAPABILITIES["email"].media.max_image_bytes),
}
