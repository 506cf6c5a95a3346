/** The pulled image and a recorded engine pull, shared by the pull tests. */
import type { PullEvent } from '../../src/docker/pullProgress';

export const IMAGE = 'nvcr.io/nvidia/isaac-sim:4.2.0';

export const last = <T>(xs: T[]): T => xs[xs.length - 1];
export const progress = (current: number, total: number) => ({ current, total });

/** What dockerd 20.10 printed for a pull of a 3-layer image whose base layer was already there. */
export const RECORDED: PullEvent[] = [
  { status: 'Pulling from isaac-sim-standin', id: 'exp' },
  { status: 'Already exists', progressDetail: {}, id: 'f6e50aa0fc03' },
  { status: 'Pulling fs layer', progressDetail: {}, id: '9c00bc880036' },
  { status: 'Pulling fs layer', progressDetail: {}, id: '37adcc2e9020' },
  { status: 'Downloading', progressDetail: progress(36412, 3001132), progress: '[>    ]  36.41kB/3.001MB', id: '9c00bc880036' },
  { status: 'Downloading', progressDetail: progress(1166, 1166), progress: '[=====>]  1.166kB/1.166kB', id: '37adcc2e9020' },
  { status: 'Verifying Checksum', progressDetail: {}, id: '37adcc2e9020' },
  { status: 'Download complete', progressDetail: {}, id: '37adcc2e9020' },
  { status: 'Verifying Checksum', progressDetail: {}, id: '9c00bc880036' },
  { status: 'Download complete', progressDetail: {}, id: '9c00bc880036' },
  { status: 'Extracting', progressDetail: progress(32768, 3001132), id: '9c00bc880036' },
  { status: 'Extracting', progressDetail: progress(3001132, 3001132), id: '9c00bc880036' },
  { status: 'Pull complete', progressDetail: {}, id: '9c00bc880036' },
  { status: 'Extracting', progressDetail: progress(1166, 1166), id: '37adcc2e9020' },
  { status: 'Pull complete', progressDetail: {}, id: '37adcc2e9020' },
  { status: 'Digest: sha256:05d8c08da82071bb6412ddd22de9fcc16c3a190db140df26cd31a37215e24a7e' },
  { status: 'Status: Downloaded newer image for 127.0.0.1:5055/isaac-sim-standin:exp' },
];
