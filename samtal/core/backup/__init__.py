"""Backup and restore of Samtal's database, and the check that a backup restores.

PostgreSQL is dumped with ``pg_dump --format=custom`` and restored with ``pg_restore``;
SQLite is copied with its online backup API, a consistent copy while Samtal runs. Beside
each backup a manifest records the row count of every table and a checksum of the content of
the key tables, read in the same snapshot as the backup itself, so that a restore can be
checked against it although the source has changed since.

- ``databases``: a DATABASE_URL read as Samtal's settings read it; connections, create, drop;
- ``manifest``: row counts and checksums of a database, and their comparison;
- ``services``: ``backup_create`` and ``backup_restore``;
- ``cli``: ``scripts/backup``, ``scripts/restore`` and ``scripts/restore-check``.

Talk content is personal data: every file written here is readable by its owner only.
The package does not load Django: a backup needs neither the secret key nor the rest of the
settings, only DATABASE_URL. docs/deploy.md, "Backups", describes the commands.
"""
