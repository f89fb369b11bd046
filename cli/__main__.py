"""``python -m cli``: the lastmile command line."""

from cli.app import app

if __name__ == "__main__":
    app(prog_name="lastmile")
