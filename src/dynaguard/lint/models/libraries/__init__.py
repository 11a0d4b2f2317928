"""Libraries known as data (authentication packages, key generators, thread wrappers) and the
principal-bypass hazards of dynaguard's own library."""
