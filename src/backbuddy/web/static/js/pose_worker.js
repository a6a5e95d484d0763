// The pose model, in a worker so that the page's own thread (Stop, the halt text) is never
// held up by it: MediaPipe Tasks PoseLandmarker on the bundle `make` assembled from the
// mediapipe wheel. Every file comes from this server's /static/vendor; nothing is downloaded.

import { FilesetResolver, PoseLandmarker } from "/static/vendor/tasks-vision/vision_bundle.mjs";

const WASM = "/static/vendor/tasks-vision/wasm";
const BUNDLE = "/static/vendor/pose/pose_landmarker_full.task";

let landmarker = null;
let lastTs = 0;

function options(delegate) {
  return {
    baseOptions: { modelAssetPath: BUNDLE, delegate },
    runningMode: "VIDEO",
    numPoses: 1,
    // The server's legacy MediaPipe Pose uses 0.5 for all three as well.
    minPoseDetectionConfidence: 0.5,
    minPosePresenceConfidence: 0.5,
    minTrackingConfidence: 0.5,
  };
}

async function load(delegate) {
  // `true`: the ES-module build of the WASM loader, the one a module worker can load.
  const fileset = await FilesetResolver.forVisionTasks(WASM, true);
  try {
    landmarker = await PoseLandmarker.createFromOptions(fileset, options(delegate));
    return delegate;
  } catch (err) {
    if (delegate === "CPU") throw err;
    landmarker = await PoseLandmarker.createFromOptions(fileset, options("CPU"));
    return "CPU";
  }
}

const round = (v, d) => Math.round(v * d) / d;
const rows = (points) => (points
  ? points.map((p) => [round(p.x, 1e5), round(p.y, 1e5), round(p.z, 1e5), round(p.visibility ?? 0, 1e3)])
  : null);

function detect({ bitmap, ms }) {
  const started = performance.now();
  // The landmarker wants strictly increasing whole milliseconds.
  const ts = Math.max(Math.round(ms), lastTs + 1);
  lastTs = ts;
  let result;
  try {
    result = landmarker.detectForVideo(bitmap, ts);
  } finally {
    bitmap.close();
  }
  const image = rows(result.landmarks && result.landmarks[0]);
  const world = image ? rows(result.worldLandmarks && result.worldLandmarks[0]) : null;
  return { type: "pose", ms, image, world, inferMs: performance.now() - started };
}

self.onmessage = async ({ data }) => {
  try {
    if (data.type === "load") {
      self.postMessage({ type: "loaded", delegate: await load(data.delegate) });
    } else if (data.type === "frame") {
      self.postMessage(detect(data));
    }
  } catch (err) {
    self.postMessage({ type: "failed", message: String((err && err.message) || err) });
  }
};
