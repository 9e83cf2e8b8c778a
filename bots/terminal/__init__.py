"""The terminal renderer: walk the client flows in a terminal (``pathwise chat``)."""
