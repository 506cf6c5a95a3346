# Run in Sim: this script raises on line 5; the Problems panel marks that line.
import omni

print("before the raise")
raise ValueError("the robot is not on the ground")
