"""A program that fails the way programs do: bad input."""

import pulumi

team = pulumi.Config().require("team")
raise ValueError(f"team {team!r} has no dataset bucket configured")
