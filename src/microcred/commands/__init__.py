"""CLI command modules; each registers its commands on the apps in ``microcred.cli_app``."""
