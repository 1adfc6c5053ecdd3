"""Automations (trigger / condition / action) and streaming anomaly detection."""
