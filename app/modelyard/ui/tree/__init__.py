"""The registry tree: its model, rows, panel, context menu and drag data."""
