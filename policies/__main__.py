"""The policy pack's entry point: the engine runs this file with policies/ as sys.path[0]."""

from mlwarden_rules.pack import main

main()
