"""Sub-commands of ``exsampling``: one module each, registered in :data:`exsampling_patch.cli.COMMAND_MODULES`."""
