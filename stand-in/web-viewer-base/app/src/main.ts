// Stand-in for the src/main.ts that `npx @nvidia/create-ov-web-rtc-app@1.14.2 --name web-viewer
// --sample local-sample` scaffolds (NVIDIA's file is not public; this is not its code): only the
// stream config line that isaac-sim/IsaacSim tools/docker/web-viewer/Dockerfile patches with sed
// ("s/signalingServer: [^,]*/.../" and "/signalingServer:/a\ ..."). /usr/share/standin/web-viewer-build.sh reads the
// patched values back from here into dist/index.html.
const streamConfig = {
    signalingServer: '127.0.0.1',
};
export default streamConfig;
