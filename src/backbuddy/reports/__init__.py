"""Clinician reports (HTML, PDF), FHIR R4B and JSON export, built from the stored history."""
