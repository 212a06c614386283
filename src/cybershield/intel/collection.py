"""The store's default collection, in a module of its own: the command line's help shows it without loading
the store."""

#: where objects go when no collection is named (imports, TAXII without a configured collection)
DEFAULT_COLLECTION = "hub"
