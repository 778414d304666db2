"""From a cut release to verified files on an index: build, check, smoke-test, publish,
verify (``steps``), and the release receipt."""
