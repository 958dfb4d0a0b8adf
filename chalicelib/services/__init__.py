"""Use cases: one function per action, written against ports that the composition root fills."""
