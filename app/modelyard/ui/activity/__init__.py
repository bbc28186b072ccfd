"""View ▸ Activity: the journal of every write."""
