"""Profiles: how to reach a registry, where its secrets live, artifact stores, importers."""
