"""The in-memory model: scenario types, portfolio, population projection."""
