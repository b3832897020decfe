"""Streamed CSV and XLSX downloads of tables, neutralised against formula injection, and their audit rows."""
