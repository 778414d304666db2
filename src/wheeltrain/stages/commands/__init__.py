"""The commands around a release: setting a project up (``init``, ``lock``), watching what
an index holds (``status``, ``report``), and rehearsing a whole release (``rehearse``)."""
