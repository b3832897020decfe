"""Accounts, sign-in and user administration."""
