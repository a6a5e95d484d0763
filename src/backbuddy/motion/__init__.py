"""Motion: landmarks → measures → checks → monitors → pose events. NumPy only (+ domain types)."""
