"""backbuddy's truth renderer: posed anny bodies rendered offscreen with exact joint angles."""

import os

# PyOpenGL picks its platform on first import: offscreen CPU rendering needs OSMesa.
os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")
