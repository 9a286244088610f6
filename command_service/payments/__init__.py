"""Payments: the provider port, its adapters (sandbox, Stripe) and their configuration."""
