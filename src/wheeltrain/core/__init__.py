"""The pure core: versions, commits, tags, plans, configuration and the matrix. No I/O."""
