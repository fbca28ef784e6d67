"""Test helpers shared by every app's tests: factories and small builders."""
