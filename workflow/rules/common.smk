# Helpers shared by the rule files: config validation and wildcard constraints.
from snakemake.utils import validate

validate(config, "../schemas/config.schema.yaml")


wildcard_constraints:
    snapshot=r"[A-Za-z0-9._-]+",
