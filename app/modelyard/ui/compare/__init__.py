"""Registry comparison, and copying and syncing between registries."""
