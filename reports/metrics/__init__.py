"""Prometheus metrics at `/metrics`, read from the database at scrape time.

Nothing is counted in the web processes (gunicorn runs several, each with its own memory):
every scrape reads the same rows and selectors the API and the console read, in a fixed
number of queries whatever the number of workflows.
"""
