"""Writes of the plans app: each checks permission, validates, writes atomically and audits."""
