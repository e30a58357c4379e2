"""Churn alerts: who is told of a lost customer, paced app messages, the daily digest, the settings."""
