"""The load run: readers of the public pages and the eight towns' officers, on PostgreSQL,
with a database restart in the middle. See bench/LOADRUN.md."""
