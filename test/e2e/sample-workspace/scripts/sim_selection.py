# Run in Sim: select lines 3-4 and run the selection (Isaac Sim: Run Selection in Sim).
print("line 2 is not in the selection")
print("line 3 is")
raise RuntimeError("line 4 raises")
