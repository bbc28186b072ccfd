"""Plumbing every layer shares: HTTP sessions, logging, paths, open registries, waits, text."""
