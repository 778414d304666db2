from wheeltrain.cli import console_main

console_main()
