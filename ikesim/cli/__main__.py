from ikesim.cli import main

main()
