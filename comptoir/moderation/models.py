"""Moderation rules, the log of every automatic action, and the moderation queue."""
