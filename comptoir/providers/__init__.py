"""One module per network behind the interface in base.py; `get_provider` imports a network's module lazily."""
