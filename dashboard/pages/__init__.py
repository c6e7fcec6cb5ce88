"""Dash pages. Imported by Dash itself (``create_app``), never directly: ``register_page`` needs
the app to exist first."""
