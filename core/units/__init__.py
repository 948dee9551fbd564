"""承办单位: the tree of handling units, suggestions, import and export."""
