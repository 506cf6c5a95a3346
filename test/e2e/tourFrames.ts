/**
 * The README's opening tour (media/screenshots/tour.gif): the UI suite's frames, in the order the
 * suite takes them and the GIF shows them. uiTour.ts records them (test-artifacts/ui/tour/<nn>-<name>.png),
 * scripts/readme-tour.mjs turns them into the GIF, test/unit/readmeTour.test.ts checks the GIF has
 * one frame each and the README's alt text names what each one shows.
 *
 * Plain data (no imports), so the unit test and the script can read it too.
 */
export interface TourFrame {
  /** File name part: test-artifacts/ui/tour/<nn>-<name>.png. */
  readonly name: string;
  /** What the frame shows: the README's alt text lists the captions, in order. */
  readonly caption: string;
}

export const TOUR_FRAMES: readonly TourFrame[] = [
  { name: 'start', caption: 'Start Instance from the command palette' },
  { name: 'loading-extensions', caption: 'the tree row and the start notification at "loading extensions"' },
  { name: 'compiling-shaders', caption: 'then at "compiling shaders"' },
  { name: 'ready', caption: 'instance-0 ready' },
  { name: 'figures', caption: "its live CPU, memory and GPU figures in the row's tooltip" },
  { name: 'code-and-sim', caption: 'a Python file on the left, the sim view on the right, the Run in Sim output below' },
];

/** The GIF's size bound (bytes): the README's opening picture must load at once. */
export const TOUR_GIF_MAX_BYTES = 150 * 1024;

/** How long each frame shows (ms). */
export const TOUR_FRAME_DELAY_MS = 2_000;

/** The PNG of frame `index` (0-based): "01-start.png". */
export function tourFrameFile(index: number): string {
  return `${String(index + 1).padStart(2, '0')}-${TOUR_FRAMES[index].name}.png`;
}
