# Run in Sim: a slow script; cancel its progress notification. The simulator goes on running it.
import time

print("sleeping")
time.sleep(30)
