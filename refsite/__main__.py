from refsite.cli import main

main()
