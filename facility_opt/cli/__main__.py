"""`python -m facility_opt.cli`: the same entry point as the `facility-opt` script."""

from facility_opt.cli.app import main

if __name__ == "__main__":
    main()
