"""Rendering: terminal tables (Rich), JSON and Parquet exports."""
