from cybershield.cli import main

main()
