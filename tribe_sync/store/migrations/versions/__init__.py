"""The store's revisions, oldest first: `NNNN_slug.py`, each `down_revision` the one before."""
