"""``python -m api``: the lastmile command line."""

from api.cli import app

if __name__ == "__main__":
    app(prog_name="lastmile")
