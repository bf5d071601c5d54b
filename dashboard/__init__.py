"""The coordinator dashboard and JSON API (FastAPI + Jinja2, GOV.UK Design System)."""
