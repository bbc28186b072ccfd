"""The promotion board: lanes, cards and the promotion dialog."""
