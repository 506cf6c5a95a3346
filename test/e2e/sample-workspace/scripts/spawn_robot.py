"""Spawn a robot on a ground plane and step the simulation (Isaac Sim standalone script).

Run inside an Isaac Sim container:  ./python.sh /workspace/scripts/spawn_robot.py --steps 500
"""

import argparse

# SimulationApp must be created before any other omni.* / isaacsim.* import.
from isaacsim import SimulationApp

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--steps", type=int, default=500, help="physics steps to run")
parser.add_argument("--robot", default="/Isaac/Robots/Franka/franka.usd", help="robot asset, relative to the assets root")
args, _ = parser.parse_known_args()

simulation_app = SimulationApp({"headless": True})

from isaacsim.core.api import World  # noqa: E402
from isaacsim.core.utils.stage import add_reference_to_stage  # noqa: E402
from isaacsim.storage.native import get_assets_root_path  # noqa: E402

world = World(stage_units_in_meters=1.0)
world.scene.add_default_ground_plane()

assets_root = get_assets_root_path()
if assets_root is None:
    raise SystemExit("Could not find the Isaac Sim assets root (is the Nucleus/asset server reachable?)")
add_reference_to_stage(usd_path=assets_root + args.robot, prim_path="/World/Robot")

world.reset()
for step in range(args.steps):
    world.step(render=False)
    if step % 100 == 0:
        print(f"step {step}/{args.steps}")

simulation_app.close()
