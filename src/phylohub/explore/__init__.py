"""``phylohub explore``: a local web app over one snapshot (:mod:`.data`, :mod:`.app`)."""
