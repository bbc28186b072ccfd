"""The application shell: the app, the main window, its saved state and crash reports."""
