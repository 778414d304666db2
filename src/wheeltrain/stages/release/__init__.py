"""The release cut: each kind of release planned from git, proven, stamped, written into the
changelog, committed and tagged by one cut (``cut``), and the changelog's sections."""
