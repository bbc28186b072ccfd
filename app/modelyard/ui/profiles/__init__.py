"""Profiles in the window: the setup wizard and the profile actions (edit, remove, test)."""
