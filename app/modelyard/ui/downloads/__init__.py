"""Downloads of artifacts and serving a model locally."""
