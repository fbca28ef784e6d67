"""One module per network behind the interface in base.py; `registry.get_provider_class` imports a network's module lazily."""
