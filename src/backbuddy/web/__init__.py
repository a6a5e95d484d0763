"""The web app: `create_app(settings)` builds it; nothing is built at import time."""
