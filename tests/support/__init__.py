"""Test support: real services (PostgreSQL, Redis, RabbitMQ) with per-session isolation."""
