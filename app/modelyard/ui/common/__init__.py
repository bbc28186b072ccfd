"""What every part of the UI shares: theme, icons, keys, screen fitting, plain text, the wait
indicator and the worker pool."""
