"""The data-flow pass from every route: a function's statements and expressions evaluated to
abstract values, calls followed into the tree, the models asked at each call."""
