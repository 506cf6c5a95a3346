# Run in Sim: send this file to a running instance (the play button in the editor title).
import time

print("hello from the sim")
print("a second line")
