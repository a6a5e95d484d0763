"""backbuddy's truth renderer: posed anny bodies rendered offscreen with exact joint angles."""

import os

# PyOpenGL picks its platform on first import: offscreen CPU rendering needs OSMesa.
os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")
# Mesa's llvmpipe rasterises with one thread: on 2 shared cores it costs little and leaves a core
# to others. (It was also meant to make the mp4s reproducible byte for byte; it did not fully:
# see README.md, "Reproducibility".)
os.environ.setdefault("LP_NUM_THREADS", "1")
