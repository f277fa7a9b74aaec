from nodeship.cli.main import main

main()
