"""The embedded demo registry and its prebuilt pack."""
