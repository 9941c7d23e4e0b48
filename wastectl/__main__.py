from wastectl.main import run

run()
