// The pose model, in a worker so that the page's own thread (Stop, the halt text) is never
// held up by it: MediaPipe Tasks PoseLandmarker on the bundle `make` assembled from the
// mediapipe wheel. Every file comes from this server's /static/vendor; nothing is downloaded.

import { FilesetResolver, PoseLandmarker } from "/static/vendor/tasks-vision/vision_bundle.mjs";
import { SteadyMask } from "./mask.js";
import { cropFor, toFrame } from "./roles.js";

const WASM = "/static/vendor/tasks-vision/wasm";
const BUNDLE = "/static/vendor/pose/pose_landmarker_full.task";

let landmarker = null;
let lastTs = 0;
// The two-person step (roles.js): the crop around the receiver kept between frames, and the
// grey over everyone else, steady between role answers and faded in (mask.js).
const cropped = { crop: null, canvas: null, mask: new SteadyMask() };

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

// The landmarker wants strictly increasing whole milliseconds.
function stamp(ms) {
  lastTs = Math.max(Math.round(ms), lastTs + 1);
  return lastTs;
}

// The receiver's crop of this frame with the others greyed out, or null (no receiver yet:
// the whole frame, and the landmarks go out marked unsure). A new crop makes the model
// look afresh: one blank picture drops the region it was tracking.
function receiverCrop(bitmap, ms, role) {
  if (!role || !role.box) return null;
  const { width: w, height: h } = bitmap;
  const crop = cropFor(cropped.crop, role.box, w, h);
  const cw = crop.x1 - crop.x0, ch = crop.y1 - crop.y0;
  if (crop !== cropped.crop) {
    landmarker.detectForVideo(grey64(), stamp(ms - 1));
    cropped.canvas = new OffscreenCanvas(cw, ch);
  }
  cropped.crop = crop;
  const ctx = cropped.canvas.getContext("2d");
  ctx.drawImage(bitmap, crop.x0, crop.y0, cw, ch, 0, 0, cw, ch);
  const grey = cropped.mask.grey(role, crop, w, h);
  if (grey) ctx.drawImage(grey, 0, 0);
  return crop;
}

function grey64() {
  const data = new ImageData(64, 64);
  data.data.fill(127);
  for (let i = 3; i < data.data.length; i += 4) data.data[i] = 255;
  return data;
}

// A camera that repeats its last picture (a stalled capture pipeline, a frozen driver)
// gives the page exactly the same pixels again and again, yet the model's tracking and
// smoothing answer each time with landmarks that drift by 1e-5..1e-4 (measured on the
// real model: no two alike in 60 repeats). The server spots a frozen camera by numbers
// repeated exactly (repeats.py), so it never saw this one: the receiver read as present and
// still while they may move (I4). The same picture now gets the same answer, numbers and
// all. A live camera never repeats every pixel (sensor noise), even at a third of the size.
const repeat = { canvas: null, key: null, answer: null };

function pixelsKey(bitmap, role) {
  const w = Math.max(1, Math.round(bitmap.width / 3)), h = Math.max(1, Math.round(bitmap.height / 3));
  if (!repeat.canvas || repeat.canvas.width !== w || repeat.canvas.height !== h) repeat.canvas = new OffscreenCanvas(w, h);
  const ctx = repeat.canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0, w, h);
  const words = new Uint32Array(ctx.getImageData(0, 0, w, h).data.buffer);
  let a = 0x811c9dc5, b = 0x01000193; // two FNV-1a style lanes: a 64-bit key
  for (let i = 0; i < words.length; i++) {
    a = Math.imul(a ^ words[i], 0x01000193);
    b = Math.imul(b ^ words[i], 0x85ebca6b) ^ (b >>> 13);
  }
  // The crop and the greyed others follow the role answer's geometry, not its time: a frozen
  // picture's role frames get the same answer each time, so a new answer alone must not make
  // the model run again (new, drifting numbers would read to the server as a moving picture).
  const where = role && role.box ? JSON.stringify([role.box, role.others_boxes, role.receiver, role.others]) : "";
  return `${w}x${h}:${a >>> 0}:${b >>> 0}:${where}`;
}

function detect({ bitmap, ms, role }) {
  const started = performance.now();
  const { width: w, height: h } = bitmap;
  let result, crop = null, key = null;
  try {
    key = pixelsKey(bitmap, role);
    if (key === repeat.key) return { ...repeat.answer, ms, inferMs: performance.now() - started };
    crop = receiverCrop(bitmap, ms, role);
    result = landmarker.detectForVideo(crop ? cropped.canvas : bitmap, stamp(ms));
  } finally {
    bitmap.close();
  }
  let points = result.landmarks && result.landmarks[0];
  if (crop) points = toFrame(points, crop, w, h);
  const image = rows(points);
  const world = image ? rows(result.worldLandmarks && result.worldLandmarks[0]) : null;
  const roleMs = crop ? role.ms : null;
  const answer = { type: "pose", ms, image, world, roleMs, inferMs: performance.now() - started };
  Object.assign(repeat, { key, answer });
  return answer;
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
