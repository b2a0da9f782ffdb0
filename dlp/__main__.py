from dlp.cli import main

main()
