"""`python -m carepath`: the same command line as the `carepath` script."""

from carepath.cli import main

main(prog_name="carepath")
