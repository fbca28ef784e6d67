"""Comptoir's own database backends (Django's, with what Comptoir's workload needs on top)."""
