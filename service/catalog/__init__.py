"""The catalog at runtime: images uploaded or imported through the API and instance types
created, changed and retired by admins (the files given to install.sh seed it)."""
